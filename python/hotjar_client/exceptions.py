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
        ├── ExportPermissionError (also PermissionError)
        ├── ExportFileNotFoundError (also FileNotFoundError)
        ├── ExportFileExistsError (also FileExistsError)
        ├── ExportIsADirectoryError (also IsADirectoryError)
        ├── ExportNotADirectoryError (also NotADirectoryError)
        └── ExportBlockingIOError (also BlockingIOError)  another run holds the file's lock

An ``ExportFileError`` has ``errno``, ``strerror`` and ``filename`` as Python's ``OSError``
does, and is raised as the subclass that matches its cause: ``except PermissionError`` catches
an export into a read-only folder, ``except FileNotFoundError`` one whose file vanished, and
``except BlockingIOError`` a second export of a path that another one is writing.

Every one has ``status`` (the HTTP status or None); a failed export also carries ``partial``
(what was fetched) and ``resume_cursor`` (where to continue).
"""

from hotjar_client._native import (
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    ConfirmationRequiredError,
    ExportBlockingIOError,
    ExportFileError,
    ExportFileExistsError,
    ExportFileNotFoundError,
    ExportIsADirectoryError,
    ExportNotADirectoryError,
    ExportPermissionError,
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
    "ExportBlockingIOError",
    "ExportFileError",
    "ExportFileExistsError",
    "ExportFileNotFoundError",
    "ExportIsADirectoryError",
    "ExportNotADirectoryError",
    "ExportPermissionError",
    "HotjarError",
    "InvalidResponseError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "TransportError",
]
