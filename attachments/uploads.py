"""Django's upload handling for attachments: a file past the size limit is counted, not kept.

Django writes an upload of more than 2.5 MB to a temporary file, so memory never holds it; this
handler (installed by the upload views before the body is read) also stops writing a file once it
passes SUPPORTDESK_MAX_UPLOAD_MB: the rest is read and counted but not stored, and the form then
refuses the file with its real size. The disk does not fill with a file that will be refused.
"""

import contextlib

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler

MB = 1024 * 1024


class LimitedUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.limit = settings.SUPPORTDESK_MAX_UPLOAD_MB * MB
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            return None  # counted (file_complete gets the full size), not stored
        return super().receive_data_chunk(raw_data, start)


def limit_uploads(request) -> None:
    """Install the handler; a no-op when the body was already read (then Django's own handlers ran,
    which keep a large file on disk, not in memory, and the form refuses it all the same)."""
    with contextlib.suppress(AttributeError):
        request.upload_handlers = [LimitedUploadHandler(request)]
