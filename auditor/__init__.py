"""auditor: feature-flag inventory and hidden-capability auditor for source trees and releases."""

__version__ = "0.1.0"
