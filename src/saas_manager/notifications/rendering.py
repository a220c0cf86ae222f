"""Rendering of a notification's subject and bodies from its templates.

Each event has built-in templates in templates/notifications/<event>/
(subject.txt, body.txt and, optionally, body.html). A NotificationTemplate
row for the event replaces them. The HTML part is the event's HTML body, or
the text body with its paragraphs kept, inside notifications/layout.html.
"""

import datetime
from dataclasses import dataclass

from django.template import Context, Template, TemplateDoesNotExist, engines
from django.template.defaultfilters import linebreaks_filter
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from saas_manager.automation.operator import get_operator_settings
from saas_manager.notifications.models import NotificationEvent, NotificationTemplate


@dataclass(frozen=True)
class TemplateSources:
    subject: str
    text_body: str
    html_body: str


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text_body: str
    html_body: str


def _file_source(name: str) -> str:
    try:
        # The Django backend's template wraps a django.template.Template.
        return get_template(name).template.source  # type: ignore[attr-defined]
    except TemplateDoesNotExist:
        return ""


def default_sources(event: str) -> TemplateSources:
    """Return the built-in templates of an event."""
    folder = f"notifications/{event}"
    return TemplateSources(
        subject=_file_source(f"{folder}/subject.txt"),
        text_body=_file_source(f"{folder}/body.txt"),
        html_body=_file_source(f"{folder}/body.html"),
    )


def sources_for(event: str) -> TemplateSources:
    """Return the operator's templates of an event, or the built-in ones."""
    override = NotificationTemplate.objects.filter(event=event).first()
    if override is None:
        return default_sources(event)
    return TemplateSources(override.subject, override.text_body, override.html_body)


def _compile(source: str, *, autoescape: bool) -> Template:
    # Text parts are not HTML, so a customer named "A & B" stays "A & B".
    engine = engines["django"].engine  # type: ignore[attr-defined]
    if not autoescape:
        source = "{% autoescape off %}" + source + "{% endautoescape %}"
    return engine.from_string(source)


def compile_sources(sources: TemplateSources) -> None:
    """Compile each template, raising TemplateSyntaxError for a broken one."""
    _compile(sources.subject, autoescape=False)
    _compile(sources.text_body, autoescape=False)
    _compile(sources.html_body, autoescape=True)


def render_sources(
    sources: TemplateSources, context: dict, language: str | None = None
) -> RenderedMessage:
    """Render the templates with the context, in the language given."""
    with translation.override(language):
        subject = _render(sources.subject, context, autoescape=False)
        text = _render(sources.text_body, context, autoescape=False).strip()
        if sources.html_body.strip():
            content = _render(sources.html_body, context, autoescape=True)
        else:
            content = linebreaks_filter(escape(text), autoescape=True)
        html = render_to_string(
            "notifications/layout.html",
            {
                **context,
                "subject": " ".join(subject.split()),
                "content": mark_safe(content),
            },
        )
    return RenderedMessage(
        subject=" ".join(subject.split()), text_body=text + "\n", html_body=html
    )


def _render(source: str, context: dict, *, autoescape: bool) -> str:
    rendered = _compile(source, autoescape=autoescape).render(Context(context))
    # A rendered template is marked safe; a plain str keeps a text part from
    # reaching the HTML part unescaped.
    return str.__str__(rendered)


def render_event(
    event: str, context: dict, language: str | None = None
) -> RenderedMessage:
    return render_sources(sources_for(event), context, language)


def base_context(
    event: str, *, customer=None, instance=None, now: datetime.datetime | None = None
) -> dict:
    """Return the variables that every template of an event can use."""
    now = now or timezone.now()
    if customer is None and instance is not None:
        customer = instance.customer
    return {
        "event": event,
        "event_label": NotificationEvent(event).label,
        "customer": customer,
        "instance": instance,
        "package": instance.package if instance is not None else None,
        "now": now,
        "today": timezone.localdate(now),
        "operator": get_operator_settings(),
    }
