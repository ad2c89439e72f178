# PLACEHOLDER: replaced by the public-site work in progress.
def _todo(*args, **kwargs):
    raise NotImplementedError


home = tip_list = tip_detail = tip_vote = category_detail = search = robots_txt = _todo
