"""``/auth/tokens`` (the original's body format) and ``/users`` (local accounts)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from aiohttp import web
from pydantic import Field, SecretStr, model_validator
from pymongo.errors import DuplicateKeyError

from calipso.api.auth import ADMIN, AUTH, hash_password, request_token
from calipso.api.operations import Answer, Call, Operation, Reply, Role, add_operations
from calipso.api.query import BodyModel, PagedQuery, present, read_page, with_rules
from calipso.api.schemas import ERRORS, ItemList, Message, TokenAnswer, UserItem
from calipso.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized

USER_NAME = r"^[A-Za-z0-9_.@-]{1,64}$"


class Credentials(BodyModel):
    username: str = Field(min_length=1, max_length=256)
    password: SecretStr = Field(min_length=1, max_length=1024)


class AuthSpec(BodyModel):
    # a method given with its data: credentials, or a token
    model_config = with_rules({"anyOf": [
        {**present(method), "properties": {
            method: {"not": {"type": "null"}},
            "methods": {"contains": {"const": method}}}}
        for method in ("credentials", "token")]})

    methods: list[Literal["credentials", "token"]] = Field(min_length=1)
    credentials: Credentials | None = None
    token: str | None = Field(None, min_length=1, max_length=256)

    @model_validator(mode="after")
    def _something_to_check(self) -> AuthSpec:
        if self.credentials is None and self.token is None:
            raise ValueError("auth: give credentials or a token")
        return self


class TokenRequest(BodyModel):
    auth: AuthSpec


async def create_token(call: Call) -> Reply:
    spec: AuthSpec = call.body.auth
    authn = call.request.app[AUTH]
    if "credentials" in spec.methods and spec.credentials is not None:
        principal = await authn.login(
            spec.credentials.username, spec.credentials.password.get_secret_value(),
            call.request.remote or "", "credentials",
        )
        return Reply(await authn.issue_token(principal, "credentials"), 201)
    if "token" in spec.methods and spec.token is not None:
        found = await authn.principal_for_token(spec.token)
        if found is None:
            raise Unauthorized("the token is unknown or expired")
        return Reply(await authn.issue_token(found, "token"), 201)
    raise InvalidInput("auth.methods: no given method has its data", field="auth.methods")


async def delete_token(call: Call) -> web.Response:
    token = request_token(call.request)
    if not token:
        raise Unauthorized("Authentication required")
    authn = call.request.app[AUTH]
    if await authn.principal_for_token(token) is None or not await authn.revoke_token(token):
        raise Unauthorized("the token is unknown or expired")
    return web.Response(status=200)


class NewUser(BodyModel):
    model_config = with_rules({"anyOf": [present("password"), {
        "required": ["source"], "properties": {"source": {"const": "ldap"}}}]})

    name: str = Field(pattern=USER_NAME)
    password: SecretStr | None = Field(None, min_length=8, max_length=1024)
    role: Literal["admin", "viewer"] = "viewer"
    source: Literal["local", "ldap"] = "local"

    @model_validator(mode="after")
    def _password_if_local(self) -> NewUser:
        if self.source == "local" and self.password is None:
            raise ValueError("password: a local user needs a password")
        return self


class UserChange(BodyModel):
    model_config = with_rules({"anyOf": [present("password"), present("role")]})

    password: SecretStr | None = Field(None, min_length=8, max_length=1024)
    role: Literal["admin", "viewer"] | None = None


class UsersQuery(PagedQuery):
    name: str | None = Field(None, pattern=USER_NAME)
    role: Literal["admin", "viewer"] | None = None


USER_FIELDS = ("name", "role", "source")


async def list_users(call: Call) -> object:
    q: UsersQuery = call.query
    filt = {k: v for k, v in (("name", q.name), ("role", q.role)) if v is not None}
    docs, total = await read_page(call.db.users, filt, USER_FIELDS, q, [("name", 1)])
    items = [{"id": str(d["_id"])} | {k: d.get(k) for k in USER_FIELDS if k in d} for d in docs]
    return {"users": items, "total": total, "page": q.page, "page_size": q.page_size}


async def create_user(call: Call) -> Reply:
    body: NewUser = call.body
    doc = {"name": body.name, "role": str(body.role), "source": body.source,
           "created_at": datetime.now(UTC)}
    if body.password is not None:
        doc["password_hash"] = await hash_password(body.password.get_secret_value())
    try:
        await call.db.users.insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(f"user {body.name} exists", field="name") from None
    return Reply({"message": f"created user {body.name}"}, 201)


async def change_user(call: Call) -> object:
    name = call.path("name")
    body: UserChange = call.body
    principal = call.principal
    assert principal is not None
    is_self = principal.name == name
    if not (principal.may(Role.ADMIN) or (is_self and body.role is None)):
        raise Forbidden("only an admin may change another user or a role")
    if body.role is not None and (is_self or name == ADMIN):
        raise Conflict("a user cannot change their own role, nor the admin user's",
                       field="role")
    update: dict[str, object] = {}
    if body.password is not None:
        update["password_hash"] = await hash_password(body.password.get_secret_value())
    if body.role is not None:
        update["role"] = body.role
    if not update:
        raise InvalidInput("give password or role", field="body")
    result = await call.db.users.update_one({"name": name}, {"$set": update})
    if result.matched_count == 0:
        raise NotFound(f"no user {name}", field="name")
    # the user's other sessions end; the caller's own token stays valid
    keep = request_token(call.request) if is_self else None
    await call.request.app[AUTH].forget_user(name, keep_token=keep)
    return {"message": f"updated user {name}"}


async def delete_user(call: Call) -> object:
    name = call.path("name")
    principal = call.principal
    if name == ADMIN or (principal is not None and principal.name == name):
        raise Conflict("the admin user and the caller cannot be deleted", field="name")
    result = await call.db.users.delete_one({"name": name})
    if result.deleted_count == 0:
        raise NotFound(f"no user {name}", field="name")
    await call.request.app[AUTH].forget_user(name)
    return {"message": f"deleted user {name}"}


NAME_PARAM = {"name": {"type": "string", "pattern": USER_NAME}}

OPERATIONS = (
    Operation("POST", "/auth/tokens", create_token, "Create a token", "auth",
              role=Role.PUBLIC, body=TokenRequest,
              answers={201: Answer("the new token", TokenAnswer), **ERRORS}),
    Operation("DELETE", "/auth/tokens", delete_token, "Revoke the caller's token", "auth",
              role=Role.PUBLIC, header_params={"X-Auth-Token": {"type": "string"}},
              answers={200: Answer("revoked"), **ERRORS}),
    Operation("GET", "/users", list_users, "List users", "auth", role=Role.ADMIN,
              query=UsersQuery, answers={200: Answer("users", ItemList.of("users", UserItem)),
                                         **ERRORS}),
    Operation("POST", "/users", create_user, "Create a user", "auth", role=Role.ADMIN,
              body=NewUser, answers={201: Answer("created", Message), **ERRORS}),
    Operation("PUT", "/users/{name}", change_user,
              "Change a password (own or, as admin, anyone's) or a role", "auth",
              body=UserChange, path_params=NAME_PARAM,
              answers={200: Answer("changed", Message), **ERRORS}),
    Operation("DELETE", "/users/{name}", delete_user, "Delete a user and their tokens", "auth",
              role=Role.ADMIN, path_params=NAME_PARAM,
              answers={200: Answer("deleted", Message), **ERRORS}),
)


def setup(app: web.Application) -> None:
    add_operations(app, OPERATIONS)

