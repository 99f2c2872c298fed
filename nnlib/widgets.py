"""Interactive demos that degrade to a static figure when no widget frontend is attached.

    from ipywidgets import FloatLogSlider, Dropdown
    nnlib.widgets.interact(draw, lr=FloatLogSlider(value=0.1, min=-3, max=0, description="learning rate"))

In JupyterLab (or Notebook 7, JupyterHub, VS Code) the sliders appear and `draw` reruns on every
change. When the notebook is executed headless (nbval, nbclient, nbconvert --execute, CI) there is
nobody to move a slider and a widget would be stored as dead text ("interactive(children=...)"), so
`draw` is called once with each control's initial value and its figure is shown as an ordinary plot.

Detection: jupyter_server (JupyterLab, Notebook, JupyterHub) starts kernels with JPY_SESSION_NAME set,
VS Code with VSCODE_PID; headless runners set neither. NNLIB_WIDGETS=1 or 0 overrides the guess.
"""
from __future__ import annotations

import os


def frontend_has_widgets() -> bool:
    """True when a frontend that can render ipywidgets is most likely attached to this kernel."""
    override = os.environ.get("NNLIB_WIDGETS")
    if override in ("0", "1"):
        return override == "1"
    return "JPY_SESSION_NAME" in os.environ or "VSCODE_PID" in os.environ


def initial_value(control):
    """The value a control starts at: a widget's .value, or a fixed value as it is."""
    return getattr(control, "value", control)


def interact(draw, **controls):
    """Call draw(**values) under ipywidgets controls, or once with the initial values (static).

    Returns None in both cases: ipywidgets.interact returns the function, which a notebook would print
    under the widget as "<function draw ...>" when the call ends a cell.
    """
    if frontend_has_widgets():
        import ipywidgets

        for control in controls.values():
            if hasattr(getattr(control, "style", None), "description_width"):  # sliders, dropdowns, ...
                control.style.description_width = "initial"  # the whole label, not "learning r..."
        ipywidgets.interact(draw, **controls)
        return None
    values = {name: initial_value(c) for name, c in controls.items()}
    shown = ", ".join(f"{k}={v!r}" for k, v in values.items())
    print(f"(static figure for {shown}; open the notebook in JupyterLab to move the controls)")
    draw(**values)
    return None
