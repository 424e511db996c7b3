// cgdriver06_original: the callgrind driver (callgrind_driver.cpp) around the frozen original
// pipeline (original_report.hpp) instead of an implementation's.
#define EDI_L06_ORIGINAL
#include "callgrind_driver.cpp"
