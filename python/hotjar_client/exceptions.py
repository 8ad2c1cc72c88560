"""The exceptions of hotjar_client, one class per thing that can go wrong.

::

    HotjarError
    ├── ConfigurationError (also ValueError)   bad input, raised before any request
    │   └── ConfirmationRequiredError          a deletion without confirm=True; nothing sent
    ├── AuthenticationError                    401, refused key or token
    ├── PermissionDeniedError                  403, plan or scope
    ├── NotFoundError                          404, site / survey / organization
    ├── RateLimitError                         429 after retries, .retry_after
    ├── ServerError                            5xx after retries
    ├── BadRequestError                        another 4xx
    ├── TransportError                         network, timeout
    ├── InvalidResponseError                   a body that breaks the API's promises
    ├── ClientClosedError (also RuntimeError)  the client was closed
    └── ExportFileError (also OSError)         an export file could not be written

Every one has ``status`` (the HTTP status or None); a failed export also carries ``partial``
(what was fetched) and ``resume_cursor`` (where to continue).
"""

from hotjar_client._native import (
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    ConfirmationRequiredError,
    ExportFileError,
    HotjarError,
    InvalidResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
)

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "ConfirmationRequiredError",
    "ExportFileError",
    "HotjarError",
    "InvalidResponseError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "TransportError",
]
