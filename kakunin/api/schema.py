"""What the OpenAPI schema says beyond what drf-spectacular reads from the views: every
operation may answer with a problem (RFC 9457), so those answers are in the schema and a
client (or schemathesis) can hold the API to them; and the links from one answer to the
next call (a listed assessment to its page, an answer's ETag to its change), which
schemathesis' stateful tests follow."""

from kakunin.records.models import Kind

PROBLEM_STATUSES = {
    "400": "入力の誤り（errors に項目ごとの理由）",
    "401": "トークンがない・無効・期限切れ・取り消し済み",
    "403": "見られるが変更できない（読み取り専用のトークンを含む）",
    "404": "ない、または見られない",
    "406": "応答の形式（Accept）に応じられない",
    "409": "状態が手順を許さない（problems に理由）、または同じ名前のものが既にある",
    "412": "If-Match が古い（ほかの人が変更した）",
    "415": "送られた形式（Content-Type）を読めない",
    "428": "If-Match がない",
    "429": "回数の上限（Retry-After 秒後に再試行）",
}

PROBLEM = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
        "problems": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["type", "title", "status", "detail"],
}


def add_problems(result, generator, request, public):
    """drf-spectacular's postprocessing hook: the Problem schema, and the problem answers
    on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for code, description in PROBLEM_STATUSES.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/problem+json": {"schema": ref}},
                    },
                )
    return result


# (operation, status) -> {link name: (target operation, {parameter: runtime expression})}
LINKS = {
    "v1_systems_list": {
        "System": ("v1_systems_retrieve", {"id": "$response.body#/results/0/id"}),
        "Scans": ("v1_systems_scans_list", {"id": "$response.body#/results/0/id"}),
        "Components": ("v1_systems_components_list", {"id": "$response.body#/results/0/id"}),
        "Findings": ("v1_systems_findings_list", {"id": "$response.body#/results/0/id"}),
        "Records": ("v1_systems_records_list", {"id": "$response.body#/results/0/id"}),
        "AnnualReports": (
            "v1_systems_annual_reports_list",
            {"id": "$response.body#/results/0/id"},
        ),
    },
    "v1_assessments_list": {
        "Assessment": ("v1_assessments_retrieve", {"id": "$response.body#/results/0/id"}),
    },
    "v1_assessments_retrieve": {
        "Answer": (
            "v1_assessments_answers_retrieve",
            {"id": "$request.path.id", "key": "$response.body#/answers/0/item"},
        ),
        "Comments": (
            "v1_assessments_answers_comments_list",
            {"id": "$request.path.id", "key": "$response.body#/answers/0/item"},
        ),
        "Submit": ("v1_assessments_submit_create", {"id": "$request.path.id"}),
    },
    "v1_assessments_answers_retrieve": {
        "Change": (
            "v1_assessments_answers_partial_update",
            {
                "id": "$request.path.id",
                "key": "$request.path.key",
                "header.If-Match": "$response.header.ETag",
            },
        ),
    },
}
# A record added, to its page; its page's ETag, to its correction.
for _kind in Kind.values:
    _page = {"id": "$request.path.id", "record_pk": "$response.body#/id"}
    LINKS[f"v1_systems_records_{_kind}_create"] = {
        "Record": (f"v1_systems_records_{_kind}_retrieve", _page),
        "Files": ("v1_systems_records_files_create", _page),
        "Comments": ("v1_systems_records_comments_list", _page),
    }
    LINKS[f"v1_systems_records_{_kind}_retrieve"] = {
        "Correct": (
            f"v1_systems_records_{_kind}_partial_update",
            {
                "id": "$request.path.id",
                "record_pk": "$request.path.record_pk",
                "header.If-Match": "$response.header.ETag",
            },
        ),
        "Withdraw": (
            "v1_systems_records_withdraw_create",
            {"id": "$request.path.id", "record_pk": "$request.path.record_pk"},
        ),
    }


def add_links(result, generator, request, public):
    """drf-spectacular's postprocessing hook: LINKS on each operation's 200 (or 201)
    answer."""
    operations = {
        op["operationId"]: op
        for path_item in result.get("paths", {}).values()
        for op in path_item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    for source, links in LINKS.items():
        if source not in operations:
            continue
        responses = operations[source].get("responses", {})
        answer = responses.get("200") or responses.get("201")
        if answer is None:
            continue
        answer["links"] = {
            name: {"operationId": target, "parameters": parameters}
            for name, (target, parameters) in links.items()
            if target in operations
        }
    return result


def close_request_bodies(result, generator, request, public):
    """drf-spectacular's postprocessing hook: every request body, and every object
    inside one (a record's list entries), accepts only the fields it names
    (serializers.Strict refuses the others)."""
    schemas = result.get("components", {}).get("schemas", {})
    seen: set[str] = set()

    def close(node) -> None:
        if isinstance(node, list):
            for value in node:
                close(value)
        elif isinstance(node, dict):
            name = node.get("$ref", "").rsplit("/", 1)[-1]
            if name in schemas and name not in seen:
                seen.add(name)
                if schemas[name].get("type") == "object":
                    schemas[name]["additionalProperties"] = False
                close(schemas[name])
            for key, value in node.items():
                if key != "$ref":
                    close(value)

    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict):
                close(operation.get("requestBody", {}))
    return result
