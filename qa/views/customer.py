# PLACEHOLDER: replaced by the customer-pages work in progress.
def _todo(*args, **kwargs):
    raise NotImplementedError


ask = suggest = markdown_preview = my_questions = my_question = _todo
