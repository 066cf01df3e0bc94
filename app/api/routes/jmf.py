"""The JMF/XJMF receiver: devices post status signals with their link's secret; answers are JMF/XJMF, never JSON.

`POST /api/jmf/{secret}` (the URL token) or `POST /api/jmf` with HTTP Basic (user = SenderID, password = the
secret). Bodies are `application/vnd.cip4-jmf+xml` or `application/vnd.cip4-xjmf+xml` (plain XML types too), capped
in bytes while they stream in, then parsed without DTDs or entities within depth and element caps.
"""
import asyncio
import base64
import binascii
import logging

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.config import get_settings
from app.errors import DomainError, NotAuthenticated, PermissionDenied
from app.models import utcnow
from app.services.jmf import writer
from app.services.jmf.messages import (
    GENERAL_ERROR,
    INVALID_PARAMETERS,
    JMF_MEDIA_TYPE,
    OK,
    XJMF_MEDIA_TYPE,
    answer,
)
from app.services.jmf.safe_xml import Limits, XmlRefused

logger = logging.getLogger(__name__)
router = APIRouter(tags=['jmf'])
MEDIA_TYPES = {JMF_MEDIA_TYPE: 'jmf', XJMF_MEDIA_TYPE: 'xjmf', 'application/xml': 'jmf', 'text/xml': 'jmf'}
XML_BODY = {'requestBody': {'required': True, 'content': {
    JMF_MEDIA_TYPE: {'schema': {'type': 'string', 'description': 'JMF 1.x with Signal[@Type="Status"]/DeviceInfo'}},
    XJMF_MEDIA_TYPE: {'schema': {'type': 'string', 'description': 'XJMF 2.x with SignalStatus/DeviceInfo'}}}},
    'responses': {str(code): {'description': text, 'content': {JMF_MEDIA_TYPE: {}, XJMF_MEDIA_TYPE: {}}}
                  for code, text in ((200, 'JMF Response / XJMF ResponseStatus with ReturnCode 0'),
                                     (400, 'not well-formed, a DTD or entity, over the depth or element cap, or not a '
                                           'status message: ReturnCode 3 or 6'),
                                     (401, 'unknown or revoked link secret'),
                                     (403, 'not from an allowed address, or another sender than the link'),
                                     (413, 'over CTP_JMF_MAX_BYTES'), (415, 'not a JMF/XJMF media type'))}}
REALM = {'WWW-Authenticate': 'Basic realm="CTP Log JMF", charset="UTF-8"'}


@router.post('/api/jmf/{secret}', openapi_extra=XML_BODY, response_class=Response)
async def receive_with_token(secret: str, request: Request) -> Response:
    """A device posts a JMF/XJMF status message; the path carries its link's secret."""
    return await _receive(request, secret, username=None)


@router.post('/api/jmf', openapi_extra=XML_BODY, response_class=Response)
async def receive_with_basic_auth(request: Request) -> Response:
    """A device posts a JMF/XJMF status message with HTTP Basic (user = SenderID, password = link secret)."""
    username, secret = _basic(request)
    return await _receive(request, secret, username=username)


async def _receive(request: Request, secret: str, *, username: str | None) -> Response:
    kind = request.headers.get('content-type', '').split(';')[0].strip().lower()
    protocol = MEDIA_TYPES.get(kind, 'xjmf' if 'xjmf' in kind else 'jmf')
    if kind not in MEDIA_TYPES:
        return _refusal(protocol, 415, f'send {JMF_MEDIA_TYPE} or {XJMF_MEDIA_TYPE}', INVALID_PARAMETERS)
    settings = get_settings()
    limits = Limits(settings.jmf_max_bytes, settings.jmf_max_depth, settings.jmf_max_elements)
    try:
        body = await _read_capped(request, limits.max_bytes)
        post = writer.Post(secret, username, request.client.host if request.client else None, body, limits)
        # the ingest writer finds the link, reads the message and stores it with the messages arriving meanwhile;
        # the answer waits for that commit
        job = writer.submit(writer.Job(received_at=utcnow(), post=post))
        result = await asyncio.wrap_future(job.outcome)
    except XmlRefused as error:
        return _refusal(protocol, error.http_status, error.message, error.return_code)
    except NotAuthenticated as error:
        return _refusal(protocol, 401, error.message, GENERAL_ERROR, REALM)
    except PermissionDenied as error:
        return _refusal(protocol, 403, error.message, INVALID_PARAMETERS)
    except DomainError as error:
        return _refusal(protocol, 400, error.message, INVALID_PARAMETERS)
    assert job.message is not None
    note = f'{result.other_devices} DeviceInfo of other devices ignored' if result.other_devices else ''
    data, media = answer(job.message.protocol, job.message.message_ids, OK, note)
    return Response(data, 200, media_type=media)


async def _read_capped(request: Request, cap: int) -> bytes:
    declared = request.headers.get('content-length', '')
    if declared.isdigit() and int(declared) > cap:
        raise XmlRefused(f'message larger than {cap} bytes', http_status=413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise XmlRefused(f'message larger than {cap} bytes', http_status=413)
        chunks.append(chunk)
    return b''.join(chunks)


def _basic(request: Request) -> tuple[str | None, str]:
    scheme, _, value = request.headers.get('authorization', '').partition(' ')
    if scheme.lower() != 'basic':
        return None, ''
    try:
        username, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(':')
    except (binascii.Error, UnicodeDecodeError):
        return None, ''
    return username, password


def _refusal(protocol: str, status: int, message: str, return_code: int,
             headers: dict[str, str] | None = None) -> Response:
    logger.info('JMF message refused (%d): %s', status, message)
    data, media = answer(protocol, (), return_code, message)
    return Response(data, status, media_type=media, headers=headers)

