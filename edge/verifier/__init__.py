"""Learned candidate verifier: a small CNN that looks at a tube of crops around a
track that already passed the physics gate and scores "thrown object" against
everything else (birds, leaves, insects, rain, laundry, light changes, noise).

Runtime code here uses numpy and onnxruntime only; training lives in
``edge.training`` and is never imported by the edge.
"""
