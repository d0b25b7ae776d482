"""Benchmarks behind `actinr-studio bench ...`; results as JSON.

Must not import Qt (the GUI benchmark lives in actinr_studio.gui.bench and is imported lazily).
"""
