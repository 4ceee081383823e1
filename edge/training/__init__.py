"""Offline training of the candidate verifier (``fallwatch train verifier``).

Imported only by the train command and its tests: it needs the ``[train]`` extra
(ultralytics, torch, onnx, onnxslim). The edge runtime never imports it.
"""
