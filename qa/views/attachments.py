"""Images customers attached to their messages, served only to who may see them.

The asker of the conversation and staff who may view conversations; anyone
else gets the same 404 as for an attachment that does not exist. The bytes
were re-encoded by qa.attachments, and they are served with their real
content type, nosniff, a download name of our own, a sandboxing policy and
no caching outside the browser (a shared cache must never keep them).
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from qa import selectors


@login_required
@require_safe
def message_attachment(request, pk: int):
    attachment = selectors.attachment_get_for_user(user=request.user, pk=pk)
    try:
        stored = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("No such attachment") from None
    response = FileResponse(stored, content_type=attachment.content_type, filename=attachment.download_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Opened on its own, the image can run nothing and load nothing.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
