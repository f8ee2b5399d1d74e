"""Placeholder: the known-solution pages are being written (issue 5)."""

from django.http import HttpResponse


def solution_list(request):
    return HttpResponse(status=501)


solution_new = solution_detail = solution_edit = solution_transition = ticket_known_solution = solution_list
