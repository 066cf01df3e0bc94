"""Parse untrusted JMF/XJMF: no DTDs, no entities, no network; byte, depth and element caps.

defusedxml refuses any DOCTYPE (so XXE, external DTDs and entity expansion such as "billion laughs" never reach
the parser's resolver); the caps are checked while the elements stream in, so a deep or huge tree is refused
before it is built in full.
"""
import io
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_depth: int
    max_elements: int


class XmlRefused(Exception):
    """The message was not parsed; `return_code` is the JMF ReturnCode to answer with."""

    def __init__(self, message: str, *, return_code: int = 3, http_status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.return_code = return_code
        self.http_status = http_status


def parse(body: bytes, limits: Limits) -> Element:
    """The root element of a well-formed, DTD-free message within the limits; else XmlRefused."""
    if len(body) > limits.max_bytes:
        raise XmlRefused(f'message larger than {limits.max_bytes} bytes', http_status=413)
    if not body.strip():
        raise XmlRefused('empty message')
    depth = count = 0
    root: Element | None = None
    try:
        for event, element in iterparse(io.BytesIO(body), events=('start', 'end'), forbid_dtd=True,
                                        forbid_entities=True, forbid_external=True):
            if event == 'end':
                depth -= 1
                continue
            depth, count = depth + 1, count + 1
            root = element if root is None else root
            if depth > limits.max_depth:
                raise XmlRefused(f'elements nested deeper than {limits.max_depth}')
            if count > limits.max_elements:
                raise XmlRefused(f'more than {limits.max_elements} elements')
    except DefusedXmlException as error:
        raise XmlRefused(f'refused: {type(error).__name__} (DTDs and entities are not accepted)') from error
    except (ParseError, ValueError, LookupError) as error:  # ValueError/LookupError: an encoding expat lacks
        raise XmlRefused(f'not well-formed XML: {error}') from error
    assert root is not None
    return root


def local_name(element: Element) -> str:
    """The tag without its namespace: '{http://www.CIP4.org/JDFSchema_1_1}JMF' -> 'JMF'."""
    return element.tag.rsplit('}', 1)[-1] if isinstance(element.tag, str) else ''


def children(element: Element, name: str) -> list[Element]:
    return [child for child in element if local_name(child) == name]
