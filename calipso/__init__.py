from importlib.metadata import version as _v

from calipso.warning_filters import silence_dependency_warnings

__version__ = _v('calipso')

silence_dependency_warnings()
