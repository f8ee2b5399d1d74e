"""Placeholder: the suggestions fragment is being written (issue 5)."""

from django.http import HttpResponse


def suggestions(request):
    return HttpResponse(status=501)
