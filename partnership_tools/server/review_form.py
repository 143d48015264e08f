"""The review form: respondents answer a partnership review on their own devices, without a kernel.

Plain tornado handlers built on :class:`~partnership_tools.server.handlers.BaseParticipantHandler`
(security headers, body-size limit, CSRF signature, plain error pages, autoescaped Jinja2
templates, no script at all), served by the kit's server extension beside the ballot pages:

=============================================  ==================================================
``GET  /review-form/<review>``                 start page: review, instrument, the open wave,
                                               what it takes, privacy; ``?resume=CODE`` finds
                                               saved answers
``POST /review-form/<review>``                 ``action=start``: a new draft and its resume code
``GET  /review-form/<review>/page/<n>``        page ``n`` of the form (about you, one page per
                                               dimension, comments)
``POST /review-form/<review>/page/<n>``        check and save the page; ``action=next``,
                                               ``back`` or ``later``
``GET  /review-form/<review>/check``           every answer, with links to change them
``POST /review-form/<review>/check``           ``action=submit``: into the review's responses,
                                               once; then the receipt
=============================================  ==================================================

A review takes responses only while its form wave is open (:func:`~partnership_tools.store.drafts.open_wave`,
the review app's "Open wave for responses" button). One respondent at a time: starting creates a
draft (:mod:`partnership_tools.store.drafts`) whose resume code is shown on every page (with the
link ``/review-form/<review>?resume=CODE``) and kept in a ``SameSite=Strict``, ``HttpOnly`` cookie
scoped to the review's path. Every value sent is checked against the review's instrument: an
unknown statement, a value that is not on the scale or a required question left blank gets one
plain sentence in an error summary linked to the field, and the page keeps what was typed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import sqlalchemy as sa

from partnership_tools.review.instrument import Dimension, Instrument, RespondentField
from partnership_tools.server.handlers import (
    ANSWERS_NOT_SAVED,
    SESSION_ID,
    BaseParticipantHandler,
    PageError,
    ParticipantApp,
    quote,
    single,
)
from partnership_tools.store import Store
from partnership_tools.store.drafts import (
    MAX_COMMENT_CHARS,
    AlreadySubmitted,
    Draft,
    DraftError,
    FormProblem,
    FormWave,
    InviteCodeError,
    Receipt,
    WaveClosed,
    check_answer,
    check_field,
    codes_required,
    form_wave,
    load_draft,
    missing_required,
    normalise_code,
    save_draft,
    start_draft,
    submit_draft,
)

__all__ = [
    "RESUME_COOKIE",
    "FormContext",
    "FormPage",
    "form_pages",
    "form_path",
    "review_form_handlers",
]

#: The cookie holding the respondent's resume code (one per review: its path is the review's).
RESUME_COOKIE = "pt_review_resume"
#: Fields with at most this many choices are radio buttons; more become a select.
MAX_RADIOS = 10
#: Seconds per statement, for the "about N minutes" on the start page.
SECONDS_PER_ITEM = 12
#: Field names every form page may send besides its own questions.
_FORM_KEYS = {"form_token", "form_sig", "action"}
#: The start form's invitation-code field (only asked for when the review requires codes).
INVITE_FIELD = "invite"
_CODE_RE = re.compile(r"[A-Za-z0-9 -]{1,40}\Z")

TOO_LARGE = "That page sent more than this form accepts; shorten your comment and try again."
NO_DRAFT = (
    "Your saved answers could not be found in this browser; open your resume link, or start"
    " the form again."
)


def form_path(review_id: str, *parts: str) -> str:
    """``review-form/<review>[/parts]`` (relative to the server's base URL)."""
    return "/".join(["review-form", quote(review_id), *parts])


# -- the pages of a form ------------------------------------------------------------------------
@dataclass(frozen=True)
class FormPage:
    """One page of the form: ``about`` (the respondent fields), a ``dimension`` or ``comments``."""

    number: int
    key: str
    kind: str
    title: str
    dimension: Dimension | None = None


def form_pages(instrument: Instrument) -> tuple[FormPage, ...]:
    """The pages of the form for an instrument, numbered from 1.

    >>> from partnership_tools.review.instrument import load_instrument
    >>> [p.key for p in form_pages(load_instrument("partnership_cycle"))][:3]
    ['about', 'dim-deliberation', 'dim-authorisation']
    """
    pages: list[FormPage] = []
    if instrument.respondent_fields:
        pages.append(FormPage(len(pages) + 1, "about", "about", "About you"))
    for d in instrument.dimensions:
        pages.append(FormPage(len(pages) + 1, f"dim-{d.id}", "dimension", d.title, d))
    pages.append(FormPage(len(pages) + 1, "comments", "comments", "Anything else?"))
    return tuple(pages)


@dataclass
class FormContext:
    """What every review-form page needs to know about the review."""

    review_id: str
    title: str
    instrument: Instrument
    wave: FormWave | None
    min_group_size: int
    codes_required: bool = False
    pages: tuple[FormPage, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.pages = form_pages(self.instrument)

    @property
    def is_open(self) -> bool:
        return self.wave is not None and self.wave.open

    def page(self, number: int) -> FormPage:
        if not 1 <= number <= len(self.pages):
            raise PageError(
                404, "There is no such page in this form; check the link.", "Page not found"
            )
        return self.pages[number - 1]


# -- store reads and writes (run in the thread pool) ----------------------------------------------
_instrument_cache: dict[str, Instrument] = {}
_cache_lock = threading.Lock()


def read_context(
    store: Store, review_id: str, default_min_group_size: int | None = None
) -> FormContext | None:
    """The review's title, instrument (cached by its stored text) and form wave, or None.
    ``default_min_group_size`` (default ``DEFAULT_MIN_GROUP_SIZE``) stands in when the review's
    settings cannot be read."""
    import json

    from partnership_tools.review.settings import DEFAULT_MIN_GROUP_SIZE, ReviewSettings

    db = store.db
    with db.read() as conn:
        row = conn.execute(
            sa.text(
                "SELECT title, instrument_json, settings_json FROM review_reviews WHERE id = :id"
            ),
            {"id": review_id},
        ).first()
        if row is None:
            return None
        wave = form_wave(db, review_id)
        required = codes_required(db, review_id)
    title, instrument_json, settings_json = tuple(row)
    key = hashlib.sha256(instrument_json.encode("utf-8")).hexdigest()
    with _cache_lock:
        inst = _instrument_cache.get(key)
    if inst is None:
        inst = Instrument.from_dict(json.loads(instrument_json), source=f"review {review_id!r}")
        with _cache_lock:
            if len(_instrument_cache) > 64:
                _instrument_cache.clear()
            _instrument_cache[key] = inst
    try:
        k = ReviewSettings.from_dict(json.loads(settings_json or "{}")).min_group_size
    except (ValueError, TypeError):
        k = default_min_group_size or DEFAULT_MIN_GROUP_SIZE
    return FormContext(
        review_id,
        title or review_id,
        inst,
        wave,
        k,
        required,
    )


def _start(store: Store, review_id: str, invite: str | None = None) -> tuple[Draft, str]:
    return start_draft(store.db, review_id, invite)


def _load(store: Store, review_id: str, code: str) -> Draft | None:
    return load_draft(store.db, review_id, code)


def _save(store: Store, review_id: str, code: str, kw: dict[str, Any]) -> Draft:
    return save_draft(store.db, review_id, code, **kw)


def _submit(store: Store, review_id: str, code: str, inst: Instrument) -> Receipt:
    return submit_draft(store.db, review_id, code, inst)


# -- what the templates show --------------------------------------------------------------------------
@dataclass
class Choice:
    value: str
    label: str
    id: str
    checked: bool = False


@dataclass
class Question:
    """One question on a page: ``name`` is the form field, ``anchor`` the id errors link to."""

    name: str
    anchor: str
    label: str
    kind: str  # "scale", "radios", "select", "text"
    choices: list[Choice] = field(default_factory=list)
    extra: list[Choice] = field(default_factory=list)  # "don't know", "not applicable"
    value: str = ""
    required: bool = False
    error: str | None = None


def _item_question(inst: Instrument, item_id: str, text: str, value: str) -> Question:
    scale = inst.scale
    base = f"item-{item_id}"
    choices = [
        Choice(str(v), lab, f"{base}-{v}", value == str(v))
        for v, lab in zip(scale.values, scale.labels, strict=True)
    ]
    extra = [
        Choice(str(c), scale.label_for(c), f"{base}-{c}", value == str(c)) for c in scale.codes
    ]
    return Question(base, choices[0].id, text, "scale", choices, extra, value)


def _field_question(fld: RespondentField, value: str) -> Question:
    base = f"field-{fld.id}"
    if not fld.values:
        return Question(base, base, fld.label, "text", value=value, required=fld.required)
    choices = [Choice(v, v, f"{base}-{i}", value == v) for i, v in enumerate(fld.values, start=1)]
    kind = "radios" if len(choices) <= MAX_RADIOS else "select"
    extra = []
    if not fld.required:
        extra = [Choice("", "Prefer not to say", f"{base}-none", False)]
    anchor = choices[0].id if kind == "radios" else base
    return Question(base, anchor, fld.label, kind, choices, extra, value, fld.required)


def page_questions(ctx: FormContext, page: FormPage, values: Mapping[str, str]) -> list[Question]:
    """The questions of a page, filled with ``values`` (form field name -> raw value)."""
    inst = ctx.instrument
    if page.kind == "about":
        qs = [_field_question(f, values.get(f"field-{f.id}", "")) for f in inst.respondent_fields]
        for q, f in zip(qs, inst.respondent_fields, strict=True):
            if not f.required and q.kind == "radios":
                q.extra[0].checked = f"field-{f.id}" in values and not values[f"field-{f.id}"]
        return qs
    if page.kind == "dimension" and page.dimension is not None:
        return [
            _item_question(inst, i.id, i.text, values.get(f"item-{i.id}", ""))
            for i in page.dimension.items
        ]
    return []


def draft_values(draft: Draft) -> dict[str, str]:
    """A draft's answers as form values."""
    out = {f"item-{k}": str(v) for k, v in draft.answers.items()}
    out.update({f"field-{k}": v for k, v in draft.fields.items()})
    out["comments"] = draft.comments
    return out


def check_page(
    ctx: FormContext, page: FormPage, form: Mapping[str, list[str]], action: str
) -> tuple[dict[str, str], dict[str, Any], list[FormProblem]]:
    """Read one page's POST: (values to show again, what to save, problems)."""
    inst = ctx.instrument
    values: dict[str, str] = {}
    answers: dict[str, int | None] = {}
    fields: dict[str, str | None] = {}
    comments: str | None = None
    problems: list[FormProblem] = []
    general: list[str] = []
    for name in form:
        if name in _FORM_KEYS or name == "comments":
            continue
        raw = single(form, name)
        if name.startswith("item-"):
            item_id = name[len("item-") :]
            try:
                answers[item_id] = check_answer(inst, item_id, raw)
                values[name] = raw.strip()
            except DraftError as exc:
                if item_id in inst.item_ids:
                    problems.append(FormProblem(f"item-{item_id}", str(exc)))
                else:
                    general.append(str(exc))
        elif name.startswith("field-"):
            field_id = name[len("field-") :]
            try:
                fields[field_id] = check_field(inst, field_id, raw)
                values[name] = fields[field_id] or ""
            except DraftError as exc:
                if field_id in inst.field_ids:
                    problems.append(FormProblem(f"field-{field_id}", str(exc)))
                    values[name] = raw if not inst.field(field_id).values else ""
                else:
                    general.append(str(exc))
        else:
            general.append(
                "The form sent something this page does not ask for; reload the page and try again."
            )
    if "comments" in form:
        text = single(form, "comments").replace("\r\n", "\n").strip()
        values["comments"] = text
        if len(text) > MAX_COMMENT_CHARS:
            problems.append(
                FormProblem(
                    "comments",
                    f"Your comment is {len(text):,} characters long; shorten it to"
                    f" {MAX_COMMENT_CHARS:,} or fewer.",
                )
            )
        else:
            comments = text
    if page.kind == "about" and action == "next":
        merged = {k: v for k, v in fields.items() if v}
        for p in missing_required(inst, merged):
            if not any(q.field == p.field for q in problems):
                problems.append(p)
    problems = [FormProblem("form-top", m) for m in dict.fromkeys(general)] + problems
    save: dict[str, Any] = {"answers": answers, "fields": fields, "page": page.key}
    if comments is not None:
        save["comments"] = comments
    return values, save, problems


def answer_summary(ctx: FormContext, draft: Draft) -> list[dict[str, Any]]:
    """What the check page lists: per page, its title and ``(question, answer)`` rows."""
    inst = ctx.instrument
    out = []
    for page in ctx.pages:
        rows: list[tuple[str, str]] = []
        if page.kind == "about":
            for f in inst.respondent_fields:
                rows.append((f.label, draft.fields.get(f.id) or "Not answered"))
        elif page.kind == "dimension" and page.dimension is not None:
            for i in page.dimension.items:
                v = draft.answers.get(i.id)
                rows.append((i.text, inst.scale.label_for(v) if v is not None else "Not answered"))
        else:
            rows.append(("Your comment", draft.comments or "No comment"))
        out.append({"page": page, "rows": rows})
    return out


# -- handlers -----------------------------------------------------------------------------------
class ReviewFormHandler(BaseParticipantHandler):
    """Shared parts of the review-form pages: the review, the resume cookie, the templates."""

    unsaved_message = ANSWERS_NOT_SAVED

    ctx: FormContext

    def render(self, template_name: str, **kw: Any) -> None:  # type: ignore[override]
        # The base class shows errors with the ballot pages' "message.html"; use ours.
        if template_name == "message.html":
            template_name = "review_message.html"
        kw.setdefault("review_title", getattr(getattr(self, "ctx", None), "title", ""))
        super().render(template_name, **kw)

    async def context(self, review_id: str) -> FormContext:
        ctx = await self.app.run(read_context, review_id, self.app.min_group_size)
        if ctx is None:
            raise PageError(
                404,
                "There is no review at this address; check the link you were given.",
                "Review not found",
            )
        self.ctx = ctx
        return ctx

    def require_open(self, ctx: FormContext, draft: Draft | None = None) -> None:
        if not ctx.is_open:
            raise PageError(
                409,
                "This review is not taking responses at the moment; nothing was saved.",
                "Responses are closed",
                links=[(self.app.url(form_path(ctx.review_id)), "Back to the start page")],
            )
        if draft is not None and ctx.wave is not None and draft.wave != ctx.wave.wave:
            raise PageError(
                409,
                f"Responses to {draft.wave} have closed, so these answers can no longer be saved"
                " or submitted.",
                "Responses are closed",
            )

    # -- the resume cookie ---------------------------------------------------------------------
    def cookie_path(self, review_id: str) -> str:
        return self.app.url(form_path(review_id))

    def resume_code(self) -> str:
        value = self.get_cookie(RESUME_COOKIE) or ""
        return value if _CODE_RE.match(value) else ""

    def remember(self, review_id: str, code: str) -> None:
        self.set_cookie(
            RESUME_COOKIE,
            normalise_code(code),
            path=self.cookie_path(review_id),
            httponly=True,
            samesite="Strict",
            secure=self.request.protocol == "https",
            expires_days=60,
        )

    async def current_draft(self, ctx: FormContext) -> tuple[Draft, str]:
        code = self.resume_code()
        draft = await self.app.run(_load, ctx.review_id, code) if code else None
        if draft is None:
            raise PageError(
                403,
                NO_DRAFT,
                "Answers not found",
                links=[(self.app.url(form_path(ctx.review_id)), "Go to the start page")],
            )
        return draft, code

    def shown_code(self, code: str) -> str:
        c = normalise_code(code)
        half = (len(c) + 1) // 2
        return f"{c[:half]}-{c[half:]}"

    def resume_link(self, ctx: FormContext, code: str) -> str:
        path = self.app.url(form_path(ctx.review_id))
        query = urllib.parse.urlencode({"resume": self.shown_code(code)})
        return self.app.absolute(f"{path}?{query}")

    def already_submitted(self, ctx: FormContext, draft: Draft) -> NoReturn:
        raise PageError(
            409,
            f"These answers were already submitted (receipt {draft.receipt}); they count once.",
            "Already submitted",
            links=[(self.app.url(form_path(ctx.review_id)), "Back to the start page")],
        )

    def read_form(self) -> dict[str, list[str]]:
        try:
            form = self.parse_form()
        except PageError as exc:
            if exc.status == 413:
                raise PageError(413, TOO_LARGE, "Page too large") from None
            raise
        self.check_form(form)
        return form

    def token_fields(self) -> dict[str, str]:
        return self.form_fields("rf." + secrets.token_urlsafe(12))

    def base_ctx(self, ctx: FormContext) -> dict[str, Any]:
        return {
            "ctx": ctx,
            "review_title": ctx.title,
            "instrument": ctx.instrument,
            "start_url": self.app.url(form_path(ctx.review_id)),
        }


class StartPageHandler(ReviewFormHandler):
    """``/review-form/<review>``: the start page; ``POST action=start`` starts a draft."""

    async def get(self, review_id: str) -> None:
        ctx = await self.context(review_id)
        wanted = (self.get_query_argument("resume", "") or "").strip()
        error = None
        resumed: Draft | None = None
        code = ""
        if wanted:
            draft = None
            if _CODE_RE.match(wanted):
                draft = await self.app.run(_load, review_id, wanted)
            if draft is None:
                error = (
                    "That resume code does not match any saved answers for this review; check"
                    " it and try again."
                )
            elif draft.submitted:
                error = "The answers saved with that resume code have already been submitted."
            else:
                resumed, code = draft, wanted
                self.remember(review_id, wanted)
        else:
            code = self.resume_code()
            if code:
                resumed = await self.app.run(_load, review_id, code)
                if resumed is not None and resumed.submitted:
                    resumed = None
        if resumed is not None and ctx.wave is not None and resumed.wave != ctx.wave.wave:
            resumed = None
        self.start_page(ctx, wanted, error, resumed, code)

    def start_page(
        self,
        ctx: FormContext,
        wanted: str = "",
        error: str | None = None,
        resumed: Draft | None = None,
        code: str = "",
        invite_error: str | None = None,
        invite_value: str = "",
    ) -> None:
        """The start page (with a resume error or an invitation-code error when given)."""
        self.set_status(400 if error or invite_error else 200)
        n_items = len(ctx.instrument.items)
        self.render(
            "review_start.html",
            title=("Error: " if error or invite_error else "") + ctx.title,
            error=error,
            invite_error=invite_error,
            invite_value=invite_value,
            codes_required=ctx.codes_required,
            resume_value=wanted if error else "",
            resumed=resumed,
            resume_code=self.shown_code(code) if resumed else "",
            continue_url=self.continue_url(ctx, resumed),
            n_items=n_items,
            n_pages=len(ctx.pages),
            minutes=max(1, round(n_items * SECONDS_PER_ITEM / 60)),
            answered=len(resumed.answers) if resumed else 0,
            hidden=self.token_fields(),
            action=self.app.url(form_path(ctx.review_id)),
            **self.base_ctx(ctx),
        )

    def continue_url(self, ctx: FormContext, draft: Draft | None) -> str:
        number = _next_page(ctx, draft)
        if number is None:
            return self.app.url(form_path(ctx.review_id, "check"))
        return self.app.url(form_path(ctx.review_id, "page", str(number)))

    async def post(self, review_id: str) -> None:
        await self.limit_rate("review")
        ctx = await self.context(review_id)
        form = self.read_form()
        action = single(form, "action")
        if action != "start" or set(form) - _FORM_KEYS - {INVITE_FIELD}:
            raise PageError(
                400,
                "The form did not say what to do; reload the page and try again.",
                "Form not accepted",
            )
        self.require_open(ctx)
        invite = single(form, INVITE_FIELD).strip()[:40]
        if invite and not ctx.codes_required:
            raise PageError(
                400, "This review does not use invitation codes; reload the page.", "Not accepted"
            )
        try:
            _draft, code = await self.app.run(_start, review_id, invite or None)
        except WaveClosed as exc:
            raise PageError(409, str(exc), "Responses are closed") from None
        except InviteCodeError as exc:
            self.start_page(ctx, invite_error=str(exc), invite_value=invite)
            return
        self.remember(review_id, code)
        self.log.info("review form: draft started for review %s", review_id)
        self.redirect(self.app.url(form_path(review_id, "page", "1")), status=303)


def _next_page(ctx: FormContext, draft: Draft | None) -> int | None:
    """The first page the draft has not saved yet (None when every page is saved)."""
    if draft is None:
        return 1
    for page in ctx.pages:
        if page.key not in draft.pages:
            return page.number
    return None


class FormPageHandler(ReviewFormHandler):
    """``/review-form/<review>/page/<n>``: one page of questions."""

    async def get(self, review_id: str, number: str) -> None:
        ctx = await self.context(review_id)
        page = ctx.page(int(number))
        draft, code = await self.current_draft(ctx)
        if draft.submitted:
            self.already_submitted(ctx, draft)
            return
        self.require_open(ctx, draft)
        self.show_page(ctx, page, draft, code, draft_values(draft), [])

    def show_page(
        self,
        ctx: FormContext,
        page: FormPage,
        draft: Draft,
        code: str,
        values: Mapping[str, str],
        problems: Sequence[FormProblem],
        status: int = 200,
    ) -> None:
        questions = page_questions(ctx, page, values)
        anchors = {q.name: q.anchor for q in questions}
        anchors["comments"] = "comments"
        linked = []
        for p in problems:
            anchor = anchors.get(p.field, "form-top" if p.field == "form-top" else p.field)
            linked.append({"anchor": anchor, "message": p.message})
        by_field = {p.field: p.message for p in problems}
        for q in questions:
            q.error = by_field.get(q.name)
        self.set_status(status)
        self.render(
            "review_page.html",
            title=("Error: " if problems else "") + f"{page.title} – {ctx.title}",
            page=page,
            n_pages=len(ctx.pages),
            questions=questions,
            errors=linked,
            comment=values.get("comments", ""),
            comment_error=by_field.get("comments"),
            max_comment=MAX_COMMENT_CHARS,
            wave=draft.wave,
            resume_code=self.shown_code(code),
            resume_link=self.resume_link(ctx, code),
            hidden=self.token_fields(),
            action=self.app.url(form_path(ctx.review_id, "page", str(page.number))),
            **self.base_ctx(ctx),
        )

    async def post(self, review_id: str, number: str) -> None:
        await self.limit_rate("review")
        ctx = await self.context(review_id)
        page = ctx.page(int(number))
        form = self.read_form()
        draft, code = await self.current_draft(ctx)
        if draft.submitted:
            self.already_submitted(ctx, draft)
        self.require_open(ctx, draft)
        action = single(form, "action")
        if action not in ("next", "back", "later"):
            raise PageError(
                400,
                "The form did not say what to do; reload the page and try again.",
                "Form not accepted",
            )
        values, save, problems = check_page(ctx, page, form, action)
        if problems:
            shown = draft_values(draft)
            for q in page_questions(ctx, page, {}):  # this page shows what was just sent
                shown.pop(q.name, None)
            shown.update(values)
            self.show_page(ctx, page, draft, code, shown, problems, status=400)
            return
        try:
            await self.app.run(_save, review_id, code, save)
        except AlreadySubmitted:
            self.already_submitted(ctx, draft)
        except WaveClosed as exc:
            raise PageError(409, str(exc), "Responses are closed") from None
        if action == "later":
            self.render(
                "review_saved.html",
                title=f"Your answers are saved – {ctx.title}",
                resume_code=self.shown_code(code),
                resume_link=self.resume_link(ctx, code),
                wave=draft.wave,
                **self.base_ctx(ctx),
            )
            return
        if action == "back":
            target = max(1, page.number - 1)
            self.redirect(self.app.url(form_path(review_id, "page", str(target))), status=303)
        elif page.number >= len(ctx.pages):
            self.redirect(self.app.url(form_path(review_id, "check")), status=303)
        else:
            self.redirect(
                self.app.url(form_path(review_id, "page", str(page.number + 1))), status=303
            )


class CheckHandler(ReviewFormHandler):
    """``/review-form/<review>/check``: every answer on one page; ``POST action=submit``."""

    async def get(self, review_id: str) -> None:
        ctx = await self.context(review_id)
        draft, code = await self.current_draft(ctx)
        if draft.submitted:
            self.already_submitted(ctx, draft)
        self.require_open(ctx, draft)
        self.show_check(ctx, draft, code, [])

    def show_check(
        self,
        ctx: FormContext,
        draft: Draft,
        code: str,
        problems: Sequence[FormProblem],
        status: int = 200,
    ) -> None:
        about = next((p for p in ctx.pages if p.kind == "about"), None)
        anchors = {q.name: q.anchor for q in page_questions(ctx, about, {})} if about else {}
        errors = []
        for p in problems:
            if about is not None and p.field in anchors:
                page_url = self.app.url(form_path(ctx.review_id, "page", str(about.number)))
                href = f"{page_url}#{anchors[p.field]}"
            else:
                href = "#submit"
            errors.append({"href": href, "message": p.message})
        self.set_status(status)
        self.render(
            "review_check.html",
            title=("Error: " if problems else "") + f"Check your answers – {ctx.title}",
            sections=answer_summary(ctx, draft),
            page_url=lambda n: self.app.url(form_path(ctx.review_id, "page", str(n))),
            errors=errors,
            answered=len(draft.answers),
            n_items=len(ctx.instrument.items),
            wave=draft.wave,
            resume_code=self.shown_code(code),
            resume_link=self.resume_link(ctx, code),
            hidden=self.token_fields(),
            action=self.app.url(form_path(ctx.review_id, "check")),
            **self.base_ctx(ctx),
        )

    async def post(self, review_id: str) -> None:
        await self.limit_rate("review")
        ctx = await self.context(review_id)
        form = self.read_form()
        if single(form, "action") != "submit" or set(form) - _FORM_KEYS:
            raise PageError(
                400,
                "The form did not say what to do; reload the page and try again.",
                "Form not accepted",
            )
        draft, code = await self.current_draft(ctx)
        if draft.submitted:
            self.already_submitted(ctx, draft)
        self.require_open(ctx, draft)
        missing = missing_required(ctx.instrument, draft.fields)
        if missing:
            self.show_check(ctx, draft, code, missing, status=400)
            return
        try:
            receipt = await self.app.run(_submit, review_id, code, ctx.instrument)
        except AlreadySubmitted:
            self.already_submitted(ctx, draft)
            return
        except WaveClosed as exc:
            raise PageError(409, str(exc), "Responses are closed") from None
        except DraftError as exc:
            raise PageError(400, str(exc), "Not submitted") from None
        self.log.info("review form: response submitted for review %s (%s)", review_id, receipt.wave)
        self.render(
            "review_receipt.html",
            title=f"Thank you – {ctx.title}",
            receipt=receipt,
            n_items=len(ctx.instrument.items),
            **self.base_ctx(ctx),
        )


class ReviewNotFoundHandler(BaseParticipantHandler):
    """Anything else under ``/review-form``: a plain 404 page."""

    def render(self, template_name: str, **kw: Any) -> None:  # type: ignore[override]
        if template_name == "message.html":
            template_name = "review_message.html"
        super().render(template_name, **kw)

    async def get(self, *args: Any) -> None:
        raise PageError(
            404,
            "There is nothing at this address; check the link you were given.",
            "Page not found",
        )

    post = get


def review_form_handlers(app: ParticipantApp) -> list[tuple[str, type, dict]]:
    """The URL rules of the review form, for :meth:`tornado.web.Application.add_handlers`."""
    base = app.base_url.rstrip("/")
    kw = {"app": app}
    rid = f"({SESSION_ID})"
    return [
        (rf"{base}/review-form/{rid}/?", StartPageHandler, kw),
        (rf"{base}/review-form/{rid}/page/([1-9][0-9]{{0,2}})/?", FormPageHandler, kw),
        (rf"{base}/review-form/{rid}/check/?", CheckHandler, kw),
        (rf"{base}/review-form(?:/.*)?", ReviewNotFoundHandler, kw),
    ]
