#include "edi/generator.hpp"

#include <array>
#include <algorithm>
#include <deque>
#include <string>
#include <vector>

#include "edi/segment.hpp"
#include "edi/writer.hpp"

namespace edi {

std::uint64_t SplitMix64::skewed(std::uint64_t bound) noexcept {
  // Three nested uniform draws, integers only (so every platform gets the same sequence): each
  // draw is below the previous one, which piles the probability onto the small indices. For 200
  // partners the first 10% get 59% of the draws and the most popular one 9%.
  const std::uint64_t a = below(bound);
  const std::uint64_t b = below(a + 1);
  return below(b + 1);
}

namespace {

// Names and cities are ISO 8859-1 bytes (written as \x escapes), as the UNB's syntax identifier
// UNOC declares: a file that says UNOC and carries UTF-8 is a real-world defect, not valid input.
constexpr std::array kCompanies = {
    "Nordwind Handel GmbH", "Acme Retail Ltd", "Fjord Foods AS", "Caf\xE9 Lumi\xE8re SARL", "Van Dijk Logistiek BV",
    "Iberia Distribuci\xF3n SA", "Baltic Timber UAB", "Alpenmilch AG", "Dunmore & Sons", "Moravia Glass s.r.o.",
    "Helios Pharma SpA", "Kappa Electronics Oy", "Sunrise Textiles Ltd", "Rhein Chemie KG", "Atlantic Seafood Ltd",
    "Castile Wines SL", "Polar Freight AB", "Danube Steel Zrt", "Aurora Books GmbH", "Tatra Motors a.s.",
    "Liffey Brewing Ltd", "Provence Olive SAS", "Vistula Paper SA", "Oresund Retail A/S", "Carpathia Agro SRL",
    "Adriatic Ports d.o.o.", "Bavaria Tools GmbH", "Thames Office Supply Ltd", "Loire Cheese SARL", "Hanse Kaffee GmbH"};
constexpr std::array kCities = {
    std::pair{"Hamburg", "DE"}, std::pair{"London", "GB"},     std::pair{"Bergen", "NO"},   std::pair{"Lyon", "FR"},
    std::pair{"Rotterdam", "NL"}, std::pair{"Madrid", "ES"},   std::pair{"Vilnius", "LT"},  std::pair{"Bern", "CH"},
    std::pair{"Dublin", "IE"},    std::pair{"Brno", "CZ"},     std::pair{"Milano", "IT"},   std::pair{"Espoo", "FI"},
    std::pair{"Leeds", "GB"},     std::pair{"K\xF6ln", "DE"},     std::pair{"Cork", "IE"},     std::pair{"Burgos", "ES"},
    std::pair{"G\xF6teborg", "SE"},  std::pair{"P\xE9" "cs", "HU"},     std::pair{"M\xFCnchen", "DE"},  std::pair{"Ostrava", "CZ"}};
constexpr std::array kWords = {"Widget", "Bolt",   "Carton",  "Cable", "Valve",   "Filter", "Coffee", "Tea",
                               "Oil",    "Paper",  "Bottle",  "Crate", "Sensor",  "Pump",   "Hinge",  "Lamp",
                               "Glass",  "Cheese", "Timber",  "Steel", "Textile", "Label",  "Pallet", "Spring"};
constexpr std::array kAdjectives = {"Premium", "Standard", "Organic", "Stainless", "Heavy-duty", "Compact",
                                    "Large",   "Small",    "Blue",    "Recycled",  "Frozen",     "Dried"};
// Free text with every service character; one ends in '?', which is written "??" before a terminator.
constexpr std::array kPhrases = {
    "Deliver to gate 4: ring twice",       "Pallets + cartons, mixed",  "Don't stack",
    "Price incl. 2% discount?",            "Ref?: see order 42",        "Fragile: handle with care!",
    "Call before delivery (+49 40 123456)", "Any questions?",            "50% paid: rest on delivery",
    "Back order: 3 units",                  "Unit price 'net'",          "Keep dry",
    "Temperature 2-8 C",                    "Dock 7 * night delivery",   "Invoice per delivery note"};
constexpr std::array kStatus = {"21", "18", "10", "34", "7"};
constexpr std::array kLocations = {"DEHAM", "NLRTM", "BEANR", "GBFXT", "ESVLC", "ITGOA", "SEGOT", "PLGDN"};

std::string gln_with_check_digit(std::string body12) {
  int sum = 0;
  for (std::size_t i = 0; i < 12; ++i) {
    const int d = body12[11 - i] - '0';
    sum += (i % 2 == 0) ? 3 * d : d;
  }
  body12 += static_cast<char>('0' + (10 - sum % 10) % 10);
  return body12;
}

struct PartnerTable {
  std::vector<std::string> glns;
  std::vector<Partner> partners;
  PartnerTable() {
    constexpr std::array kPrefixes = {"40", "50", "70", "30", "87", "84", "47", "76", "53", "85"};
    for (std::size_t i = 0; i < 200; ++i) {
      std::string body = kPrefixes[i % kPrefixes.size()];
      const std::string digits = std::to_string(1'000'000'000ULL + i * 7'919ULL);
      body += digits.substr(digits.size() - 10);
      glns.push_back(gln_with_check_digit(body));
    }
    for (std::size_t i = 0; i < glns.size(); ++i) {
      const auto& [city, country] = kCities[(i * 7) % kCities.size()];
      partners.push_back(Partner{glns[i], kCompanies[i % kCompanies.size()], city, country});
    }
  }
};

const PartnerTable& partner_table() {
  static const PartnerTable table;
  return table;
}

std::string pad(std::uint64_t n, std::size_t width) {
  std::string s = std::to_string(n);
  if (s.size() < width) s.insert(0, width - s.size(), '0');
  return s;
}

std::string money(std::int64_t cents) { return std::to_string(cents / 100) + "." + pad(static_cast<std::uint64_t>(cents % 100), 2); }

class MessageWriter {
 public:
  MessageWriter(const GeneratorOptions& o, SplitMix64& rng) : opt_(o), rng_(rng) {}

  // Appends one message to `out`; returns its segment count (UNH..UNT).
  std::size_t write(std::string& out, std::uint64_t reference, Amount& invoice_total) {
    segments_ = 0;
    Writer w(out, chars(), newline());
    const std::string ref = pad(reference, 6);
    const std::uint64_t kind = rng_.below(100);
    if (kind < 35) {
      orders(w, ref);
    } else if (kind < 70) {
      invoic(w, ref, invoice_total);
    } else if (kind < 88) {
      desadv(w, ref);
    } else {
      iftsta(w, ref);
    }
    put(w, Segment::make("UNT", {{std::to_string(segments_ + 1)}, {ref}}));
    return segments_;
  }

  ServiceChars chars() const { return ServiceChars::defaults(opt_.syntax); }
  std::string_view newline() const {
    return opt_.layout == Layout::crlf ? "\r\n" : opt_.layout == Layout::lf ? "\n" : "";
  }

 private:
  void put(Writer& w, const Segment& s) {
    w.write(s);
    ++segments_;
  }
  const Partner& partner() { return partners()[rng_.skewed(partners().size())]; }
  std::string date() {
    const std::uint64_t day = rng_.below(365);
    static constexpr std::array kMonthDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    std::uint64_t month = 0;
    std::uint64_t d = day;
    while (d >= static_cast<std::uint64_t>(kMonthDays[month])) d -= static_cast<std::uint64_t>(kMonthDays[month++]);
    return "2026" + pad(month + 1, 2) + pad(d + 1, 2);
  }
  std::string gtin() {
    const std::uint64_t product = rng_.skewed(5000);
    return gln_with_check_digit("40" + pad(12'345'000 + product * 13, 10));
  }
  std::string description() {
    return std::string(kAdjectives[rng_.below(kAdjectives.size())]) + " " + kWords[rng_.below(kWords.size())] + " " +
           std::to_string(rng_.below(900) + 100);
  }
  std::string_view phrase() { return kPhrases[rng_.below(kPhrases.size())]; }

  void header(Writer& w, const std::string& ref, std::string_view type, std::string_view bgm_code,
              std::string_view number_prefix) {
    put(w, Segment::make("UNH", {{ref}, {type, "D", "96A", "UN", "EAN008"}}));
    put(w, Segment::make("BGM", {{bgm_code}, {std::string(number_prefix) + pad(rng_.below(10'000'000), 7)}, {"9"}}));
    put(w, Segment::make("DTM", {{"137", date(), "102"}}));
  }
  void free_text(Writer& w) {
    // Half of the messages carry a note; the phrase is the last value, so "?" ends up as "??'".
    if (rng_.below(2) == 0) put(w, Segment::make("FTX", {{"AAI"}, {}, {}, {phrase()}}));
  }
  void party(Writer& w, std::string_view role, bool with_address) {
    const Partner& p = partner();
    if (with_address) {
      put(w, Segment::make("NAD", {{role}, {p.gln, "", "9"}, {}, {p.name}, {"Hauptstrasse " + std::to_string(rng_.below(200) + 1)},
                                   {p.city}, {}, {pad(rng_.below(90'000) + 10'000, 5)}, {p.country}}));
    } else {
      put(w, Segment::make("NAD", {{role}, {p.gln, "", "9"}}));
    }
  }
  void origin(Writer& w) {
    // Syntax 4 only: a repeating element (countries of origin), written with '*'.
    if (opt_.syntax < 4 || rng_.below(3) != 0) return;
    Segment ali = Segment::make("ALI", {{"DE"}});
    ali.add_repetition({"NL"});
    if (rng_.below(2) == 0) ali.add_repetition({"FR"});
    put(w, ali);
  }

  void orders(Writer& w, const std::string& ref) {
    header(w, ref, "ORDERS", "220", "PO");
    put(w, Segment::make("DTM", {{"2", date(), "102"}}));
    free_text(w);
    if (rng_.below(3) == 0) put(w, Segment::make("RFF", {{"CT", "K" + pad(rng_.below(100'000), 5)}}));
    party(w, "BY", false);
    party(w, "SU", false);
    party(w, "DP", false);
    put(w, Segment::make("CUX", {{"2", "EUR", "9"}}));
    const std::size_t lines = 1 + rng_.skewed(40);
    std::int64_t total = 0;
    for (std::size_t i = 1; i <= lines; ++i) {
      const std::int64_t qty = static_cast<std::int64_t>(1 + rng_.below(200));
      const std::int64_t price = static_cast<std::int64_t>(50 + rng_.below(20'000));  // cents
      total += qty * price;
      put(w, Segment::make("LIN", {{std::to_string(i)}, {}, {gtin(), "SRS"}}));
      if (rng_.below(4) == 0) put(w, Segment::make("PIA", {{"1"}, {"A" + pad(rng_.below(100'000), 5), "SA"}}));
      put(w, Segment::make("IMD", {{"F"}, {}, {"", "", "", description()}}));
      origin(w);
      put(w, Segment::make("QTY", {{"21", std::to_string(qty)}}));
      put(w, Segment::make("PRI", {{"AAA", money(price)}}));
      put(w, Segment::make("MOA", {{"203", money(qty * price)}}));
    }
    put(w, Segment::make("UNS", {{"S"}}));
    put(w, Segment::make("MOA", {{"79", money(total)}}));
    put(w, Segment::make("CNT", {{"2", std::to_string(lines)}}));
  }

  void invoic(Writer& w, const std::string& ref, Amount& invoice_total) {
    header(w, ref, "INVOIC", "380", "INV");
    put(w, Segment::make("DTM", {{"35", date(), "102"}}));
    free_text(w);
    put(w, Segment::make("RFF", {{"ON", "PO" + pad(rng_.below(10'000'000), 7)}}));
    party(w, "SU", true);
    put(w, Segment::make("RFF", {{"VA", "DE" + pad(rng_.below(1'000'000'000), 9)}}));
    party(w, "BY", true);
    put(w, Segment::make("CUX", {{"2", "EUR", "4"}}));
    put(w, Segment::make("PAT", {{"1"}, {}, {"5", "3", "D", "30"}}));
    const std::size_t lines = 1 + rng_.skewed(40);
    std::int64_t total = 0;
    for (std::size_t i = 1; i <= lines; ++i) {
      const std::int64_t qty = static_cast<std::int64_t>(1 + rng_.below(200));
      const std::int64_t price = static_cast<std::int64_t>(50 + rng_.below(20'000));
      total += qty * price;
      put(w, Segment::make("LIN", {{std::to_string(i)}, {}, {gtin(), "SRS"}}));
      put(w, Segment::make("IMD", {{"F"}, {}, {"", "", "", description()}}));
      origin(w);
      put(w, Segment::make("QTY", {{"47", std::to_string(qty), "PCE"}}));
      put(w, Segment::make("MOA", {{"203", money(qty * price)}}));
      put(w, Segment::make("PRI", {{"AAA", money(price)}}));
      put(w, Segment::make("TAX", {{"7"}, {"VAT"}, {}, {}, {"", "", "", "19"}, {"S"}}));
    }
    const std::int64_t tax = total * 19 / 100;
    put(w, Segment::make("UNS", {{"S"}}));
    put(w, Segment::make("CNT", {{"2", std::to_string(lines)}}));
    put(w, Segment::make("MOA", {{"79", money(total)}}));
    put(w, Segment::make("MOA", {{"125", money(total)}}));
    put(w, Segment::make("MOA", {{"176", money(tax)}}));
    put(w, Segment::make("MOA", {{"77", money(total + tax)}}));
    put(w, Segment::make("TAX", {{"7"}, {"VAT"}, {}, {}, {"", "", "", "19"}, {"S"}}));
    put(w, Segment::make("MOA", {{"124", money(tax)}}));
    invoice_total += Amount{(total + tax) * (Amount::kScale / 100)};
  }

  void desadv(Writer& w, const std::string& ref) {
    header(w, ref, "DESADV", "351", "DES");
    put(w, Segment::make("DTM", {{"11", date(), "102"}}));
    put(w, Segment::make("RFF", {{"ON", "PO" + pad(rng_.below(10'000'000), 7)}}));
    party(w, "SU", false);
    party(w, "BY", false);
    party(w, "DP", true);
    put(w, Segment::make("CPS", {{"1"}}));
    const std::size_t lines = 1 + rng_.skewed(30);
    put(w, Segment::make("PAC", {{std::to_string(1 + rng_.below(20))}, {}, {"CT"}}));
    for (std::size_t i = 1; i <= lines; ++i) {
      put(w, Segment::make("LIN", {{std::to_string(i)}, {}, {gtin(), "SRS"}}));
      origin(w);
      put(w, Segment::make("QTY", {{"12", std::to_string(1 + rng_.below(500))}}));
    }
    put(w, Segment::make("CNT", {{"2", std::to_string(lines)}}));
  }

  void iftsta(Writer& w, const std::string& ref) {
    header(w, ref, "IFTSTA", "23", "ST");
    free_text(w);
    party(w, "CZ", true);
    const std::size_t consignments = 1 + rng_.skewed(8);
    for (std::size_t i = 1; i <= consignments; ++i) {
      put(w, Segment::make("CNI", {{std::to_string(i)}, {"CN" + pad(rng_.below(100'000'000), 8)}}));
      put(w, Segment::make("STS", {{"1"}, {kStatus[rng_.below(kStatus.size())]}}));
      put(w, Segment::make("RFF", {{"CU", "C" + pad(rng_.below(1'000'000), 6)}}));
      put(w, Segment::make("DTM", {{"334", date() + pad(rng_.below(24), 2) + pad(rng_.below(60), 2), "203"}}));
      put(w, Segment::make("LOC", {{"5"}, {kLocations[rng_.below(kLocations.size())], "139", "6"}}));
    }
  }

  const GeneratorOptions& opt_;
  SplitMix64& rng_;
  std::size_t segments_ = 0;
};

}  // namespace

std::span<const Partner> partners() { return partner_table().partners; }

GeneratedSummary generate(const GeneratorOptions& options, const std::function<void(std::string_view)>& sink) {
  constexpr std::size_t kFlushAt = 1 << 20;
  SplitMix64 rng(options.seed);
  MessageWriter messages(options, rng);
  const ServiceChars chars = messages.chars();
  GeneratedSummary summary;
  std::string out;
  out.reserve(kFlushAt + 64 * 1024);
  const auto flush = [&] {
    summary.bytes += out.size();
    sink(out);
    out.clear();
  };
  // At least one message, whatever the size asked for: a valid interchange is never empty.
  const auto done = [&] {
    return options.target_bytes > 0 ? summary.messages > 0 && summary.bytes + out.size() >= options.target_bytes
                                    : summary.messages >= std::max<std::size_t>(options.messages, 1);
  };
  const std::size_t per_interchange = options.messages_per_interchange == 0 ? 1 : options.messages_per_interchange;
  const auto duplicate_threshold = static_cast<std::uint64_t>(options.duplicate_rate * 1'000'000.0);
  struct Sent {
    std::string text;
    std::size_t segments;
    Amount invoice;
  };
  std::deque<Sent> recent;  // the last messages, for retransmissions
  std::string message;

  Writer(out, chars, messages.newline()).write_una();
  std::uint64_t interchange_ref = 1000 + rng.below(9000);
  while (!done()) {
    Writer w(out, chars, messages.newline());
    const std::string icref = std::to_string(interchange_ref++);
    const Partner& sender = partners()[rng.skewed(partners().size())];
    const Partner& recipient = partners()[rng.skewed(partners().size())];
    w.write(Segment::make("UNB", {{"UNOC", std::to_string(options.syntax)}, {sender.gln, "14"}, {recipient.gln, "14"},
                                  {"261127", "1200"}, {icref}}));
    if (options.groups) {
      w.write(Segment::make("UNG", {{"MIXED"}, {sender.gln, "14"}, {recipient.gln, "14"}, {"261127", "1200"}, {icref}, {"UN"},
                                    {"D", "96A"}}));
    }
    ++summary.interchanges;
    summary.segments += options.groups ? 4 : 2;  // UNB, UNZ (and UNG, UNE)
    std::size_t in_interchange = 0;
    while (in_interchange < per_interchange && !done()) {
      if (!recent.empty() && rng.below(1'000'000) < duplicate_threshold) {
        const Sent& again = recent[rng.below(recent.size())];
        out += again.text;
        summary.segments += again.segments;
        summary.invoice_total += again.invoice;
        ++summary.duplicates;
      } else {
        message.clear();
        Amount invoice;
        const std::size_t segments = messages.write(message, summary.messages + 1, invoice);
        summary.segments += segments;
        summary.invoice_total += invoice;
        out += message;
        if (duplicate_threshold > 0) {
          recent.push_back(Sent{message, segments, invoice});
          if (recent.size() > 64) recent.pop_front();
        }
      }
      ++summary.messages;
      ++in_interchange;
      if (out.size() >= kFlushAt) flush();
    }
    if (options.groups) {
      Writer(out, chars, messages.newline()).write(Segment::make("UNE", {{std::to_string(in_interchange)}, {icref}}));
    }
    Writer(out, chars, messages.newline())
        .write(Segment::make("UNZ", {{std::to_string(options.groups ? 1 : in_interchange)}, {icref}}));
  }
  flush();
  return summary;
}

std::string generate(const GeneratorOptions& options) {
  std::string all;
  generate(options, [&](std::string_view piece) { all.append(piece); });
  return all;
}

}  // namespace edi
