// The EDIFACT core, all of it: #include "edi/edi.hpp".
#pragma once

#include "edi/amount.hpp"
#include "edi/baseline.hpp"
#include "edi/envelope.hpp"
#include "edi/error.hpp"
#include "edi/generator.hpp"
#include "edi/segment.hpp"
#include "edi/service_chars.hpp"
#include "edi/stats.hpp"
#include "edi/stream.hpp"
#include "edi/tokenizer.hpp"
#include "edi/writer.hpp"
