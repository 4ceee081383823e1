"""Privacy on the device: no image with a recognisable face leaves the edge.

``Anonymizer`` blurs faces (CenterFace on onnxruntime, with a temporal hold),
optionally whole persons, and fixed privacy polygons; it fails closed with
``PrivacyUnavailable``.
"""

from edge.privacy.anonymizer import Anonymizer, PrivacyState
from edge.privacy.errors import PrivacyUnavailable

__all__ = ["Anonymizer", "PrivacyState", "PrivacyUnavailable"]
