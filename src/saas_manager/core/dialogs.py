"""Helpers for the forms that unfold's action buttons open in a dialog."""

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render


def render_dialog(request: HttpRequest, dialog: dict, form: forms.Form) -> HttpResponse:
    """Render an action's form in unfold's dialog, with the form's errors."""
    return render(
        request,
        "unfold/helpers/dialog.html",
        {
            "dialog": dialog,
            "form": form,
            "form_submit_text": dialog.get("form_submit_text", ""),
        },
    )


def redirect_after_action(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect to `url`, also from a dialog that htmx posted."""
    if request.headers.get("HX-Request"):
        # htmx swaps a plain redirect into the dialog; this header makes it
        # load the whole page instead.
        return HttpResponse(headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form's fields, or above them.

    A message for a field that the form does not have goes to the top.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_errors in error.error_dict.items():
        target = field if field in form.fields else None
        for field_error in field_errors:
            form.add_error(target, field_error)
