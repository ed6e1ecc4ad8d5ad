"""What the site's log keeps of a client's mistake: one line, not a traceback.

Django logs a refused request (400: a forged Host header, a crafted admin filter; 403: a page
the user may not open) with the exception that refused it, so each scanner's probe wrote a
traceback of thirty lines. The line says what and where; the traceback says only where Django
refused it. Server errors (5xx) keep theirs.
"""

from __future__ import annotations

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = record.exc_text = None
        return True
