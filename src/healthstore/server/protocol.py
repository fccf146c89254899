"""The HTTP/1.1 protocol ``healthstore serve`` runs: uvicorn's httptools protocol, whose
answer to a request it cannot parse (a request line or headers past the parser's limit,
malformed bytes) is the API's JSON error instead of plain text. Requests it can parse reach
the app, whose :class:`~healthstore.server.limits.QueryLimit` answers a long query string."""

from __future__ import annotations

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from healthstore.errors import InvalidArgument

UNPARSABLE = InvalidArgument(
    "the request could not be parsed: malformed, or its request line or headers are too long",
    field="request",
)


class JSONErrorProtocol(HttpToolsProtocol):
    """httptools, answering unparsable requests with ``{code, name, message, field}``."""

    def send_400_response(self, msg: str) -> None:
        body = orjson.dumps(UNPARSABLE.to_dict())
        content = [b"HTTP/1.1 400 Bad Request\r\n"]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: application/json\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"connection: close\r\n\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()
