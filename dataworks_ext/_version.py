"""The version of dataworks-ext, in one place.

The build reads it from here (``[tool.hatch.version]`` in ``pyproject.toml``); the package
``__init__``, the user agent of :class:`dataworks_ext.CallbackClient` and
``dataworks-ext --version`` import it from here.
"""

__version__ = "0.1.0.dev0"
