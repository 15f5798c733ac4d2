"""The HTTP/1.1 protocol the server speaks: uvicorn's h11 protocol, with one change.

A request too malformed to reach the application (a bare CR in a header, a space in the path,
a header block over h11's limit) is answered by the protocol itself. uvicorn answers it in plain
text; this answers with the error envelope every other error uses (``INVALID_REQUEST``, a
``requestId`` and the ``X-Request-Id`` header), so a client's error handling has one shape to
read. The connection is closed afterwards: after a framing error nothing more on it can be
trusted.
"""

from __future__ import annotations

import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from entrygo.kit.ids import new_id


def malformed_request_body(request_id: str) -> bytes:
    return json.dumps({
        "errorCode": "INVALID_REQUEST",
        "message": "The HTTP request is malformed and cannot be read.",
        "requestId": request_id,
    }, separators=(",", ":")).encode()


class EnvelopeH11Protocol(H11Protocol):
    def send_400_response(self, msg: str) -> None:
        request_id = new_id("req")
        body = malformed_request_body(request_id)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-request-id", request_id.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"cache-control", b"no-store"),
            (b"connection", b"close"),
        ]
        try:
            for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                          h11.Data(data=body), h11.EndOfMessage()):
                self.transport.write(self.conn.send(event))
        except h11.LocalProtocolError:  # a response had already begun: nothing more can be said
            pass
        self.transport.close()
