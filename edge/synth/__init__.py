"""Physically based synthetic scenes: the development and test bed of the detector.

World frame (metres): the facade is the plane Z = 0, X runs right along the facade
from its left edge, Y up from the ground, Z out of the facade towards the camera.
Image frame (px): x right, y down, pixel centres at integer coordinates.
"""
