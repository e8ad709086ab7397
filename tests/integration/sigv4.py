"""AWS Signature Version 4 for the integration tests, written from the AWS documentation.

Deliberately independent of the server's C++ signer: if both shared a misreading of the
specification, the tests could not catch it. test_sigv4_signer.py proves this module against the
published AWS signing test suite before any test relies on it.

Two forms:
  sign_headers(...)  -> the X-Amz-Date and Authorization headers (header form)
  presign_path(...)  -> a request target carrying the signature in its query (presigned form)
sign(...) and presign(...) also return every intermediate value (canonical request, string to
sign), which the tests compare with the suite and with the server's error messages.
"""

import datetime
import hashlib
import hmac
import posixpath
import urllib.parse

ALGORITHM = "AWS4-HMAC-SHA256"
DEFAULT_REGION = "us-east-1"
DEFAULT_SERVICE = "execute-api"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

# RFC 3986 unreserved characters are the only ones SigV4 leaves unencoded.
_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"


def amz_date(now):
    """The X-Amz-Date form of a datetime: 20150830T123600Z."""
    return now.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def uri_encode(text, safe=""):
    return urllib.parse.quote(text, safe=_UNRESERVED + safe)


def canonical_uri(path, normalize=True):
    """The path as SigV4 canonicalises it for every service except S3.

    Each segment of the path as sent is URI-encoded again (so '%20' becomes '%2520'); with
    normalize, '.' and '..' segments and repeated slashes are removed first.
    """
    if not path:
        path = "/"
    if normalize:
        trailing = path.endswith("/") and path != "/"
        path = posixpath.normpath(path)
        if path.startswith("//"):  # normpath keeps exactly two leading slashes (POSIX rule)
            path = "/" + path.lstrip("/")
        if trailing and path != "/":
            path += "/"
    return "/".join(uri_encode(segment) for segment in path.split("/"))


def canonical_query(query):
    """Query parameters decoded, re-encoded with SigV4's rules and sorted by key then value."""
    if not query:
        return ""
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        key = uri_encode(urllib.parse.unquote(key))
        value = uri_encode(urllib.parse.unquote(value))
        pairs.append((key, value))
    pairs.sort()
    return "&".join(f"{key}={value}" for key, value in pairs)


def _collapse(value):
    return " ".join(value.strip().split())


def canonical_headers(headers, signed_names):
    """(canonical header block, signed-headers list) for the named headers.

    headers is a list of (name, value) pairs so a name may repeat; repeated values are joined
    with commas in the order they appear.
    """
    values = {}
    for name, value in headers:
        lower = name.lower()
        if lower in signed_names:
            values.setdefault(lower, []).append(_collapse(value))
    names = sorted(values)
    block = "".join(f"{name}:{','.join(values[name])}\n" for name in names)
    return block, ";".join(names)


def signing_key(secret, date_stamp, region, service):
    key = hmac.new(("AWS4" + secret).encode(), date_stamp.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


class Signature:
    """Every intermediate value of one signing, so tests can print or compare them."""

    def __init__(self, canonical_request, string_to_sign, signature, signed_headers, scope):
        self.canonical_request = canonical_request
        self.string_to_sign = string_to_sign
        self.signature = signature
        self.signed_headers = signed_headers
        self.scope = scope


def compute(method, path, query, headers, payload_hash, access_key, secret, now,
            region=DEFAULT_REGION, service=DEFAULT_SERVICE, signed_names=None, normalize=True):
    """Signs a request described by its parts; headers must already contain every header that
    is signed (Host, X-Amz-Date, ...)."""
    if signed_names is None:
        signed_names = {name.lower() for name, _ in headers}
    header_block, signed_headers = canonical_headers(headers, signed_names)
    canonical_request = "\n".join([
        method,
        canonical_uri(path, normalize),
        canonical_query(query),
        header_block,
        signed_headers,
        payload_hash,
    ])
    date_stamp = amz_date(now)[:8]
    scope = f"{date_stamp}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join([
        ALGORITHM,
        amz_date(now),
        scope,
        hashlib.sha256(canonical_request.encode()).hexdigest(),
    ])
    signature = hmac.new(signing_key(secret, date_stamp, region, service),
                         string_to_sign.encode(), hashlib.sha256).hexdigest()
    return Signature(canonical_request, string_to_sign, signature, signed_headers, scope)


def sign(method, target, host, body, access_key, secret, headers=(), now=None,
         region=DEFAULT_REGION, service=DEFAULT_SERVICE, session_token=None, normalize=True):
    """(headers to add, Signature) for the header form.

    The headers to add are [("X-Amz-Date", ...), ("Authorization", ...)]. target is the request
    target as sent ('/jobs/abc?x=1'); every header in headers is signed, plus host and
    x-amz-date (and x-amz-security-token when session_token is given).
    """
    now = now or utc_now()
    path, _, query = target.partition("?")
    added = [("X-Amz-Date", amz_date(now))]
    if session_token:
        added.append(("X-Amz-Security-Token", session_token))
    all_headers = [("Host", host)] + list(headers) + added
    body = body or b""
    if isinstance(body, str):
        body = body.encode()
    sig = compute(method, path, query, all_headers, hashlib.sha256(body).hexdigest(),
                  access_key, secret, now, region, service, normalize=normalize)
    authorization = (f"{ALGORITHM} Credential={access_key}/{sig.scope}, "
                     f"SignedHeaders={sig.signed_headers}, Signature={sig.signature}")
    return added + [("Authorization", authorization)], sig


def sign_headers(method, target, host, body, access_key, secret, headers=(), now=None,
                 region=DEFAULT_REGION, service=DEFAULT_SERVICE, session_token=None):
    """The headers to add for the header form (see sign)."""
    return sign(method, target, host, body, access_key, secret, headers, now, region, service,
                session_token)[0]


def presign(method, target, host, access_key, secret, expires=3600, now=None,
            region=DEFAULT_REGION, service=DEFAULT_SERVICE, body=b"", normalize=True):
    """(request target with X-Amz-* query parameters carrying the signature, Signature).

    Only Host is signed, as in a presigned URL an SDK would hand out.
    """
    now = now or utc_now()
    path, _, query = target.partition("?")
    date_stamp = amz_date(now)[:8]
    scope = f"{date_stamp}/{region}/{service}/aws4_request"
    auth_params = [
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", f"{access_key}/{scope}"),
        ("X-Amz-Date", amz_date(now)),
        ("X-Amz-Expires", str(expires)),
        ("X-Amz-SignedHeaders", "host"),
    ]
    encoded = "&".join(f"{uri_encode(k)}={uri_encode(v)}" for k, v in auth_params)
    full_query = f"{query}&{encoded}" if query else encoded
    if isinstance(body, str):
        body = body.encode()
    sig = compute(method, path, full_query, [("Host", host)], hashlib.sha256(body).hexdigest(),
                  access_key, secret, now, region, service, signed_names={"host"},
                  normalize=normalize)
    return f"{path}?{full_query}&X-Amz-Signature={sig.signature}", sig


def presign_path(method, target, host, access_key, secret, expires=3600, now=None,
                 region=DEFAULT_REGION, service=DEFAULT_SERVICE):
    """The presigned request target (see presign)."""
    return presign(method, target, host, access_key, secret, expires, now, region, service)[0]
