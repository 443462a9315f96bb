"""`{% error_summary form … %}`: the one error summary of a page (templates/components/
error_summary.html).

Give it every form the page shows (`{% error_summary approve_form reject_form %}`) and any
message the view found itself (`error=…`, with `error_for=` the id of the field it is about), so
that a page has one summary, one `role="alert"` and one `autofocus`, however many forms it has.
Each field error links to its field: the control, or for a radio or checkbox group (no single
control) the group's fieldset, whose id is the field's `auto_id` (components/field.html,
proxies/_choices.html). Errors that belong to no field come last, without a link.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms, template

register = template.Library()


@dataclass(frozen=True)
class SummaryError:
    message: Any
    label: Any = ""
    href: str = ""


def summary_errors(*forms_shown: Any, error: Any = "", error_for: str = "") -> list[SummaryError]:
    """The lines of the summary, in page order: field errors, then errors of no field, then the
    view's own message."""
    lines: list[SummaryError] = []
    others: list[SummaryError] = []
    for form in forms_shown:
        if not isinstance(form, forms.BaseForm) or not form.errors:
            continue
        for field in form:
            for message in field.errors:
                href = field.id_for_label or field.auto_id or ""
                lines.append(SummaryError(message=message, label=field.label or "", href=href))
        others += [SummaryError(message=message) for message in form.non_field_errors()]
    if error:
        others.append(SummaryError(message=error, href=error_for or ""))
    return lines + others


@register.inclusion_tag("components/error_summary.html")
def error_summary(*forms_shown: Any, error: Any = "", error_for: str = "") -> dict[str, Any]:
    return {"errors": summary_errors(*forms_shown, error=error, error_for=error_for)}


@register.simple_tag
def invalid_control(field: Any, error_id: str) -> Any:
    """The field's control marked invalid and described by a message the view found (`error_id`,
    shown at this field or at another one): Django marks only the form's own errors."""
    described = " ".join(part for part in (field.aria_describedby or "", error_id) if part)
    return field.as_widget(attrs={"aria-invalid": "true", "aria-describedby": described})


@register.simple_tag
def group_control(field: Any) -> Any:
    """A radio or checkbox group inside the field's <fieldset>, which already carries the field's
    id (the error summary's link target): Django's wrapper <div> would repeat it (a duplicate id,
    HTML_CodeSniffer F77), so it goes."""
    from django.utils.safestring import mark_safe

    html = str(field)
    wrapper = f'<div id="{field.auto_id}"'
    return mark_safe(html.replace(wrapper, "<div", 1))  # noqa: S308 - Django's own rendering
