"""The documented responses of an operation: its success plus the error shape."""

from __future__ import annotations

from typing import Any

from supportledger.api.errors import ErrorOut

READ_ERRORS = (400, 401, 404, 422)
WRITE_ERRORS = (400, 401, 403, 404, 409, 422)


def responses(success: Any, *, status: int = 200, write: bool = False) -> dict[int, Any]:
    codes = WRITE_ERRORS if write else READ_ERRORS
    return {status: success, **dict.fromkeys(codes, ErrorOut)}
