"""Access tokens: EdDSA-signed JWTs. The write side signs; every side verifies with public keys only."""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common.errors import Unauthorized
from common.settings import Settings

ALGORITHM = "EdDSA"
Role = Literal["student", "teacher", "admin"]


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    role: Role
    expires_at: int


@dataclass(frozen=True)
class KeyMaterial:
    kid: str
    public_pem: str
    private_pem: str | None


def load_keys(settings: Settings, *, need_private: bool) -> KeyMaterial:
    """Keys from the environment; in development and test, a key pair kept in the data folder."""
    if settings.jwt_private_key is not None:
        private_pem = settings.jwt_private_key.get_secret_value()
        public_pem = settings.jwt_public_key or public_pem_of(private_pem)
        return KeyMaterial(settings.jwt_kid, public_pem, private_pem)
    if settings.jwt_public_key is not None and not need_private:
        return KeyMaterial(settings.jwt_kid, settings.jwt_public_key, None)
    if settings.environment == "production":
        raise RuntimeError("JWT_PRIVATE_KEY is required in production")
    private_pem = _development_key(settings.data_dir / "keys" / "jwt-ed25519.pem")
    # A verifying side keeps only the public half, even of a development key.
    return KeyMaterial(settings.jwt_kid, public_pem_of(private_pem),
                       private_pem if need_private else None)


def generate_private_pem() -> str:
    """A fresh Ed25519 private key in PKCS#8 PEM."""
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem_of(private_pem: str) -> str:
    """The public half of an Ed25519 private key, in PEM."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _development_key(path: Path) -> str:
    if path.exists():
        return path.read_text()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = generate_private_pem()
    # Written atomically with owner-only permissions: several processes may start at once.
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(pem)
    tmp.chmod(0o600)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text()


# Tokens whose signature and claims were checked, kept until they expire: a client sends the
# same access token for its whole lifetime, and the signature check was most of a signed-in
# read's cost. Keyed by the whole token (signature included), so only a token this process
# verified itself can hit.
VERIFIED_CACHE_SIZE = 10_000


class AccessTokenVerifier:
    """Verifies access tokens: pinned algorithm, known kid, issuer, audience, expiry. Known kids:
    the signing key's and those of `JWT_VERIFICATION_KEYS` (key rotation, ADR 0023)."""

    def __init__(self, settings: Settings, keys: KeyMaterial) -> None:
        self._keys = {**settings.jwt_verification_keys, keys.kid: keys.public_pem}
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()

    def verify(self, token: str) -> AccessClaims:
        claims = self._verified.get(token)
        if claims is None:
            claims = self._check(token)
            self._verified[token] = claims
            if len(self._verified) > VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        elif claims.expires_at <= time.time():
            del self._verified[token]
            raise Unauthorized("access token expired", code="token_expired")
        return claims

    def _check(self, token: str) -> AccessClaims:
        try:
            header = jwt.get_unverified_header(token)
            key = self._keys.get(str(header.get("kid")))
            if key is None:
                raise Unauthorized("access token signed with an unknown key", code="invalid_token")
            claims = jwt.decode(
                token, key, algorithms=[ALGORITHM], audience=self._audience, issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("access token expired", code="token_expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("access token is invalid", code="invalid_token") from exc
        role = claims.get("role")
        if role not in ("student", "teacher", "admin"):
            raise Unauthorized("access token is invalid", code="invalid_token")
        return AccessClaims(user_id=str(claims["sub"]), role=role, expires_at=int(claims["exp"]))
