"""Build the compiled core: csrc/*.c plus zarrlite/_ext.pyx, linked statically against the
libblosc2 that the blosc2 wheel ships (headers in blosc2/include, library in blosc2/lib)."""

import glob
import os
import sys

from setuptools import Extension, setup


def blosc2_prefix() -> str:
    import blosc2

    prefix = os.path.dirname(blosc2.__file__)
    if not os.path.exists(os.path.join(prefix, "include", "blosc2.h")):
        sys.exit(f"blosc2 at {prefix} ships no include/blosc2.h; install blosc2>=3.0 wheels")
    return prefix


def extensions() -> list:
    from Cython.Build import cythonize

    prefix = blosc2_prefix()
    static_lib = os.path.join(prefix, "lib", "libblosc2.a")
    if os.path.exists(static_lib):
        link = {"extra_objects": [static_lib], "libraries": ["pthread", "m", "dl"]}
    else:  # fall back to the shared library, found next to the blosc2 package at run time
        link = {
            "library_dirs": [os.path.join(prefix, "lib")],
            "libraries": ["blosc2"],
            "runtime_library_dirs": [os.path.join(prefix, "lib")],
        }
    ext = Extension(
        "zarrlite._ext",
        sources=["zarrlite/_ext.pyx", *sorted(glob.glob("csrc/*.c"))],
        include_dirs=["csrc", os.path.join(prefix, "include")],
        extra_compile_args=["-O3", "-std=c11", "-Wall", "-Wno-unused-function"],
        **link,
    )
    return cythonize([ext], compiler_directives={"language_level": "3"})


setup(ext_modules=extensions())
