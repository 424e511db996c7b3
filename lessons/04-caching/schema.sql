-- The database behind the caches of lesson 04 (caching), reused by lesson 07 (the capstone).
--
-- edi::caching::SqliteStore (solutions/04-caching/store.hpp) runs this file every time it opens a
-- database, so every statement here must be idempotent (IF NOT EXISTS); it then loads the 200
-- trading partners of edi::partners() into an empty partners table. The file is compiled into the
-- programs (tests/04-caching/CMakeLists.txt embeds it), so a binary never reads the source tree.
-- To look inside a database the demo or a benchmark made:
--   sqlite3 build/default/tests/04-caching/lesson04.db 'SELECT * FROM partners LIMIT 5'

-- Trading partners: master data. Every message names its parties by GLN (NAD segments) and the
-- pipeline needs their names and addresses. Read-mostly and small: the classic candidate for a
-- read-through cache (a partner's address changes a few times a year; see the lesson's section
-- on invalidation).
CREATE TABLE IF NOT EXISTS partners (
  gln     TEXT PRIMARY KEY,  -- GS1 Global Location Number: 13 digits, the last one a check digit
  name    TEXT NOT NULL,     -- company name, the bytes of the messages: ISO 8859-1 (UNOC), not
  city    TEXT NOT NULL,     -- UTF-8: a UTF-8 terminal shows a byte such as 0xFC (ü) as a replacement character
  country TEXT NOT NULL      -- ISO 3166-1 alpha-2 code, e.g. DE
);

-- The processing state of every message seen: written several times per message (received,
-- validated, acknowledged...), read to answer "did we process this retransmission already?".
-- Write-heavy: the table the write-through and write-behind caches write to.
CREATE TABLE IF NOT EXISTS message_status (
  message_key TEXT PRIMARY KEY,   -- edi::caching::message_key(): 32 hex digits, FNV-1a 128 of the
                                  -- message bytes from UNH to the UNT terminator
  status      TEXT NOT NULL,      -- received, validated, acknowledged, rejected, ...
  updated_at  INTEGER NOT NULL    -- seconds since the Unix epoch
);
