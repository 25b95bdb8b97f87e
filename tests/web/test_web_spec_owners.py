"""A spec one session made from a notice is invisible to every other session on every route: whatever route takes
a spec id (found from the app itself, so a new route is covered when it is added) answers another session's spec
exactly as it answers an id that does not exist. Built-in specs stay everyone's."""

from __future__ import annotations

import re
import typing

import pytest
from fastapi.datastructures import UploadFile
from fastapi.routing import APIRoute
from pydantic import BaseModel

from tests.web.test_web_manners import EXAMPLE, H, NOTICE, app, clerk  # noqa: F401 - the app fixture

NOBODYS = "2099-wu-minzhu"  # an id no spec has
SPEC_NAME = re.compile(r"(\w+_)?spec(_id)?")  # spec, spec_id, notice_spec … (not "aspects")


def names_spec(name: str) -> bool:
    return SPEC_NAME.fullmatch(name) is not None


def app_routes(app) -> list[APIRoute]:
    """Every route of the app, those of included routers too (newer FastAPI keeps them nested)."""

    def walk(routes):
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            inner = getattr(route, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes)

    return list(walk(app.routes))


def _model(field) -> type[BaseModel] | None:
    kind = field.field_info.annotation
    return kind if isinstance(kind, type) and issubclass(kind, BaseModel) else None


def _upload_fields(route: APIRoute) -> list[str]:
    return [field.name for field in route.dependant.body_params
            if UploadFile in (field.field_info.annotation, *typing.get_args(field.field_info.annotation))]


def _uploads(route: APIRoute) -> bool:
    return bool(_upload_fields(route))


def spec_params(route: APIRoute) -> list[str]:
    """Where the route takes a spec id: path or query parameters, or fields of its JSON body, named after specs."""
    named = [p.name for p in route.dependant.path_params + route.dependant.query_params if names_spec(p.name)]
    for field in route.dependant.body_params:
        model = _model(field)
        named += [f"body.{name}" for name in (model.model_fields if model else []) if names_spec(name)]
    return named


def _dummy(annotation):
    return {bool: False, int: 0, float: 0.0}.get(annotation, "x")


def call(client, route: APIRoute, spec: str):
    """The route asked about `spec` wherever it takes one (an uploaded YAML names it too), the rest filled in."""
    path = re.sub(r"\{(\w+)\}", lambda m: spec if names_spec(m.group(1)) else "0", route.path)
    method = sorted(route.methods)[0]
    if _uploads(route):
        data = EXAMPLE.read_text(encoding="utf-8").replace("spec: 2024-dangji-zuzhi", f"spec: {spec}").encode()
        files = [(name, ("a.yaml", data)) for name in _upload_fields(route)]
        return client.request(method, path, files=files, data={"replace": "true"}, headers=H)
    body = None
    for field in route.dependant.body_params:
        model = _model(field)
        if model is not None:
            body = {name: spec if names_spec(name) else True if name == "replace" else _dummy(info.annotation)
                    for name, info in model.model_fields.items() if info.is_required() or names_spec(name)
                    or name == "replace"}
    return client.request(method, path, json=body, headers=H)


def _answer(reply, spec: str) -> tuple[int, str]:
    text = reply.text if reply.headers.get("content-type", "").startswith(("application/json", "text/")) else ""
    return reply.status_code, text.replace(spec, "<id>")


@pytest.fixture
def two(app):  # noqa: F811
    mine, other = clerk(app), clerk(app)
    assert mine.post("/api/notice", files={"file": ("通知.txt", NOTICE.encode())}, headers=H).status_code == 200
    spec = mine.post("/api/notice/confirm", json={}, headers=H).json()["spec"]
    # The other clerk has a filled form of her own under a built-in spec.
    other.post("/api/spec", json={"spec": "2024-dangji-zuzhi"}, headers=H)
    other.post("/api/form", json={"spec": "2024-dangji-zuzhi", "unit_name": "西山村党支部"}, headers=H)
    return mine, other, spec


def test_the_routes_that_take_a_spec_are_found(app):  # noqa: F811
    found = {route.path: spec_params(route) for route in app_routes(app)}
    assert len(found) > 25
    assert found["/api/spec"] == ["body.spec"] and found["/api/form"] == ["body.spec"]
    assert found["/api/specs/{spec_id}/delete"] == ["spec_id"]
    assert {"/api/profile", "/api/notice", "/api/county"} <= {r.path for r in app_routes(app) if _uploads(r)}


def test_another_sessions_spec_is_unknown_on_every_route(two, app, tmp_path):  # noqa: F811
    mine, other, spec = two
    taking = [r for r in app_routes(app) if spec_params(r) or _uploads(r)]
    assert len(taking) >= 8
    for route in taking:
        foreign = _answer(call(other, route, spec), spec)
        unknown = _answer(call(other, route, NOBODYS), NOBODYS)
        assert foreign == unknown, route.path
        if spec_params(route):
            assert foreign[0] in (400, 404), (route.path, foreign)
            assert str(tmp_path) not in foreign[1] and ".yaml" not in foreign[1], foreign  # no path shown
    # Nothing of hers was used, shown or deleted; the other clerk's form is as she left it.
    assert (tmp_path / "home" / "specs" / f"{spec}.yaml").is_file()
    assert spec in mine.get("/").text and spec not in other.get("/").text
    form = other.get("/form").text
    assert 'data-spec="2024-dangji-zuzhi"' in form and "西山村党支部" in form and spec not in form
    # Built-in specs stay available to both.
    assert mine.post("/api/spec", json={"spec": "generic-zuzhi", "replace": True}, headers=H).status_code == 200
    assert other.post("/api/spec", json={"spec": "generic-zuzhi", "replace": True}, headers=H).status_code == 200


def test_an_uploaded_file_naming_another_sessions_spec_is_refused_as_unknown(two):
    mine, other, spec = two
    pointed = EXAMPLE.read_text(encoding="utf-8").replace("spec: 2024-dangji-zuzhi", f"spec: {spec}").encode()
    reply = other.post("/api/profile", files={"file": ("a.yaml", pointed)}, data={"replace": "true"}, headers=H)
    assert reply.status_code == 400 and reply.json()["error"].startswith(f"未知的会议规范：{spec}")
    assert spec not in reply.json()["error"].replace(f"未知的会议规范：{spec}", "")  # not among the ones offered


def test_a_chosen_id_another_session_has_gets_a_free_one_and_leaves_hers(two, tmp_path):
    mine, other, spec = two
    saved = (tmp_path / "home" / "specs" / f"{spec}.yaml").read_bytes()
    assert other.post("/api/notice", files={"file": ("通知.txt", NOTICE.encode())}, headers=H).status_code == 200
    reply = other.post("/api/notice/confirm", json={"id": spec, "replace": True}, headers=H)
    assert reply.status_code == 200 and reply.json()["spec"] == f"{spec}-2"
    assert (tmp_path / "home" / "specs" / f"{spec}.yaml").read_bytes() == saved
    assert f"{spec}-2" in other.get("/").text and f"{spec}-2" not in mine.get("/").text
