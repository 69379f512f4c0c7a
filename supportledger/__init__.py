"""supportledger: sell, deliver and bill technical support for software."""

__version__ = "0.1.0"
