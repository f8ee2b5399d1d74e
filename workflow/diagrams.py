"""The state machines as Mermaid diagrams, drawn from their declared transitions (README "The workflow").

`python manage.py state_diagrams` prints them; tests/test_workflow.py fails when README.md no longer
shows what the code declares. (`manage.py graph_transitions` of django-fsm-2 draws the same as Graphviz.)
"""

from django.utils import translation

from workflow.machines import Machine, machines


def mermaid(machine: Machine) -> str:
    field = machine.model._meta.get_field(machine.field_name)
    states = [value for value, _label in field.choices]
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{label}" as {value}' for value, label in field.choices]
    lines.append(f"    [*] --> {field.default}")
    edges = set()
    # Transitions a person runs, in the machine's order; those only its effects run (e.g. a revision
    # superseded by the next one's approval) after them.
    order = [
        *machine.forms,
        *sorted({t.name for t in field.get_all_transitions(machine.model)} - set(machine.forms)),
    ]
    for transition in field.get_all_transitions(machine.model):
        target = transition.target or transition.source  # None: the state stays
        edges.add((states.index(transition.source), order.index(transition.name), target, transition))
    for _source, _order, target, transition in sorted(edges, key=lambda edge: edge[:3]):
        lines.append(f"    {transition.source} --> {target}: {transition.name}")
    return "\n".join(lines)


def all_diagrams() -> str:
    """Every registered machine under a heading: its model, in German."""
    parts = []
    with translation.override("de"):
        for machine in sorted(machines(), key=lambda machine: machine.model._meta.label):
            meta = machine.model._meta
            parts.append(f"#### {meta.verbose_name} (`{meta.label}.{machine.field_name}`)\n")
            parts.append(f"```mermaid\n{mermaid(machine)}\n```\n")
    return "\n".join(parts)
