// The translation unit that builds the precompiled GoogleTest and GoogleMock headers
// (tests/support/CMakeLists.txt: edi_gtest_pch); it has no code of its own.
