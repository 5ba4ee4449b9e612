"""LDAP login: a simple bind per check, against a small LDAP server on 127.0.0.1 that answers
bind requests (BER-coded with ldap3's own protocol definitions)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from api_client import ADMIN_PASSWORD, Client, basic

ldap3 = pytest.importorskip("ldap3")
from ldap3.protocol.rfc4511 import (  # noqa: E402
    LDAPDN,
    BindResponse,
    LDAPMessage,
    LDAPString,
    MessageID,
    ProtocolOp,
    ResultCode,
)
from pyasn1.codec.ber import decoder, encoder  # noqa: E402
from pyasn1.error import SubstrateUnderrunError  # noqa: E402

pytestmark = pytest.mark.timeout(120)

TREE = "ou=Users,dc=example,dc=org"
DIRECTORY = {f"cn=lara,{TREE}": "lara-ldap-pw", f"cn=adam,{TREE}": "adam-ldap-pw"}


@contextlib.asynccontextmanager
async def ldap_server(binds: list[tuple[str, str]]) -> AsyncIterator[int]:
    """Answers simple binds from DIRECTORY; records every (dn, password) it was asked."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        buffer = b""
        try:
            while chunk := await reader.read(4096):
                buffer += chunk
                while buffer:
                    try:
                        message, buffer = decoder.decode(buffer, asn1Spec=LDAPMessage())
                    except SubstrateUnderrunError:
                        break
                    op = message["protocolOp"]
                    if op.getName() != "bindRequest":
                        return  # unbind (or anything else): close
                    request = op["bindRequest"]
                    dn = str(request["name"])
                    password = bytes(request["authentication"]["simple"]).decode()
                    binds.append((dn, password))
                    ok = password and DIRECTORY.get(dn) == password
                    result = BindResponse()
                    result["resultCode"] = ResultCode("success" if ok else
                                                      "invalidCredentials")
                    result["matchedDN"] = LDAPDN("")
                    result["diagnosticMessage"] = LDAPString("")
                    answer = LDAPMessage()
                    answer["messageID"] = MessageID(int(message["messageID"]))
                    answer["protocolOp"] = ProtocolOp().setComponentByName(
                        "bindResponse", result)
                    writer.write(encoder.encode(answer))
                    await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def test_ldap_users_log_in_by_simple_bind(start_service, db) -> None:
    binds: list[tuple[str, str]] = []
    async with ldap_server(binds) as port, start_service(
        CALIPSO_ADMIN_PASSWORD=ADMIN_PASSWORD, CALIPSO_LOGIN_FAIL_DELAY="0",
        CALIPSO_LDAP_URL=f"ldap://127.0.0.1:{port}", CALIPSO_LDAP_USER_TREE_DN=TREE,
        CALIPSO_LDAP_USER_ID_ATTRIBUTE="cn",
    ) as svc, aiohttp.ClientSession() as http:
        client = Client(http, svc.url, {}, [])
        token = await client.post("/auth/tokens", {"auth": {
            "methods": ["credentials"],
            "credentials": {"username": "lara", "password": "lara-ldap-pw"}}})
        assert token.status == 201 and token.body["role"] == "viewer"
        lara = client.as_({"X-Auth-Token": token.body["token"]})
        assert (await lara.get("/clique_types")).status == 200
        assert (await lara.post("/scans", {"environment": "x"})).status == 403
        wrong = await client.as_(basic("lara", "not-hers")).get("/clique_types")
        assert wrong.status == 401
        # an empty password would be an anonymous bind: never sent
        assert (await client.as_(basic("lara", "")).get("/clique_types")).status == 401
        assert all(password for _, password in binds)
        # the user name is a DN value, escaped
        await client.as_(basic("x,dc=evil", "p")).get("/clique_types")
        assert binds[-1][0] == f"cn=x\\,dc\\=evil,{TREE}"
        # a users entry with source ldap gives its role
        admin = client.as_(basic("admin", ADMIN_PASSWORD))
        assert (await admin.post("/users", {"name": "adam", "source": "ldap",
                                            "role": "admin"})).status == 201
        adam = client.as_(basic("adam", "adam-ldap-pw"))
        assert (await adam.get("/users")).status == 200
        # a local user is never checked against the directory
        seen = len(binds)
        assert (await client.as_(basic("admin", "lara-ldap-pw")).get("/users")).status == 401
        assert len(binds) == seen


async def test_ldap_down_is_a_refused_login_not_an_error(start_service, db) -> None:
    async with ldap_server([]) as port:
        pass  # closed again: nothing listens there now
    async with start_service(
        CALIPSO_ADMIN_PASSWORD=ADMIN_PASSWORD, CALIPSO_LOGIN_FAIL_DELAY="0",
        CALIPSO_LDAP_URL=f"ldap://127.0.0.1:{port}", CALIPSO_LDAP_TIMEOUT="1",
    ) as svc, aiohttp.ClientSession() as http:
        client = Client(http, svc.url, {}, [])
        answer = await client.as_(basic("lara", "lara-ldap-pw")).get("/clique_types")
        assert answer.status == 401
        assert (await client.as_(basic("admin", ADMIN_PASSWORD)).get("/clique_types")
                ).status == 200
