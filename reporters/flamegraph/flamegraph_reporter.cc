#include "reporters/flamegraph/flamegraph_reporter.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_format.h"
#include "core/atomic_file.h"
#include "core/registry.h"
#include "reporters/common/stack_order.h"
#include "reporters/common/text.h"
#include "reporters/flamegraph/flame_tree.h"

namespace tidemark {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr int kBoxHeight = kFlameGraphRowHeight - 1;  // a 1px gap per row
constexpr int kTitleY = 24;
constexpr int kSubtitleY = 44;
constexpr int kLegendY = 62;
constexpr int kFirstRowY = 72;
constexpr int kTextInset = 3;      // label x from the box's left edge
constexpr int kTextBaseline = 11;  // label y from the box's top
constexpr int kTitleFontSize = 16;
constexpr int kFontSize = 12;
// Labels are monospace so that fitting one is arithmetic: common monospace
// fonts advance 0.6 em per character; a little more leaves a margin.
constexpr double kCharWidth = 0.61 * kFontSize;
constexpr double kTitleCharWidth = 0.61 * kTitleFontSize;
// Fewer characters than this, ellipsis included, and a box gets no label.
constexpr int kMinLabelChars = 4;

constexpr char kEllipsis[] = "\xE2\x80\xA6";  // U+2026
constexpr char kEmDash[] = "\xE2\x80\x94";    // U+2014

// The zoom script: at most a few dozen lines, so the SVG stays one file that
// any browser opens. Boxes remember their original geometry, so zooming in
// and out never accumulates rounding. Labels are refitted the way
// FitLabel() does it, from the box's whole short label.
constexpr char kZoomScript[] = R"JS((function () {
  var boxes = Array.prototype.slice.call(document.querySelectorAll('g.f'));
  function fit(full, w) {
    var chars = Array.from(full), n = Math.floor((w - 2 * INSET) / CHAR);
    if (chars.length <= n) return full;
    return n < MIN_CHARS ? '' : chars.slice(0, n - 1).join('') + '\u2026';
  }
  function place(g, x, w) {
    var r = g.querySelector('rect'), t = g.querySelector('text:not(.s)'),
        s = g.querySelector('text.s');
    if (!t) {
      t = document.createElementNS('http://www.w3.org/2000/svg', 'text');
      t.setAttribute('y', g.y0 + BASELINE);
      g.insertBefore(t, s);
    }
    r.setAttribute('x', x.toFixed(2));
    r.setAttribute('width', w.toFixed(2));
    t.setAttribute('x', (x + INSET).toFixed(2));
    t.textContent = fit(g.full, w);
    if (s) s.setAttribute('x', (x + INSET).toFixed(2));
  }
  function zoom(z) {
    var root = z === boxes[0], scale = root ? 1 : (W - 2 * PAD) / z.w0;
    boxes.forEach(function (g) {
      var inside = g.y0 >= z.y0 && g.x0 >= z.x0 - 0.005 &&
          g.x0 + g.w0 <= z.x0 + z.w0 + 0.005;
      var above = g.y0 < z.y0 && g.x0 <= z.x0 + 0.005 &&
          g.x0 + g.w0 >= z.x0 + z.w0 - 0.005;
      g.style.display = inside || above ? '' : 'none';
      if (inside) {
        place(g, root ? g.x0 : PAD + (g.x0 - z.x0) * scale, g.w0 * scale);
      } else if (above) {
        place(g, PAD, W - 2 * PAD);
      }
    });
  }
  boxes.forEach(function (g) {
    var r = g.querySelector('rect'), s = g.querySelector('text.s');
    g.x0 = +r.getAttribute('x');
    g.w0 = +r.getAttribute('width');
    g.y0 = +r.getAttribute('y');
    // The label as shown: whole in the search text when there is one,
    // else in the visible text, which then was not cut.
    g.full = (s || g.querySelector('text')).textContent;
    g.addEventListener('click', function () { zoom(g); });
  });
})();
)JS";

// `text` must be well-formed UTF-8 (PrintableText's output). Control
// characters are already gone; U+FFFE and U+FFFF are well-formed but not
// XML characters, so they are replaced too.
void AppendEscaped(std::string_view text, std::string* out) {
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '&':
        *out += "&amp;";
        break;
      case '<':
        *out += "&lt;";
        break;
      case '>':
        *out += "&gt;";
        break;
      case '"':
        *out += "&quot;";
        break;
      case '\'':
        *out += "&apos;";
        break;
      default:
        if (c == '\xEF' && i + 2 < text.size() && text[i + 1] == '\xBF' &&
            (text[i + 2] == '\xBE' || text[i + 2] == '\xBF')) {
          *out += kReplacementCharacter;
          i += 2;
        } else {
          out->push_back(c);
        }
    }
  }
}

// `label` cut to at most `max_chars` characters (code points, never inside
// one), ending in "…" when cut; empty when not even three characters and the
// ellipsis fit, since a letter or two say nothing.
std::string_view FitLabel(std::string_view label, int max_chars,
                          bool* truncated) {
  *truncated = false;
  if (max_chars < kMinLabelChars) return {};
  size_t keep = 0;  // bytes of the first max_chars - 1 characters
  int chars = 0;
  for (size_t i = 0; i < label.size(); ++chars) {
    if (chars == max_chars - 1) keep = i;
    if (chars == max_chars) {
      *truncated = true;
      return label.substr(0, keep);
    }
    i += static_cast<size_t>(NextUtf8(label.substr(i)).length);
  }
  return label;
}

// `*cut` (when given) says whether the label lost characters.
void AppendFitted(std::string_view label, double width, double char_width,
                  std::string* out, bool* cut = nullptr) {
  bool truncated;
  const std::string_view kept =
      FitLabel(label, static_cast<int>(width / char_width), &truncated);
  AppendEscaped(kept, out);
  if (truncated) *out += kEllipsis;
  if (cut != nullptr) *cut = kept.size() < label.size();
}

// Mixes every byte of the file name into every colour channel (FNV-1a, then
// a finalizer), so files with similar names still get distinct colours.
uint32_t HashFile(std::string_view file) {
  uint32_t h = 2166136261u;
  for (char c : file) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  h ^= h >> 16;
  return h;
}

// A colour in [low, low + span) per channel, varied by the file's hash so
// that every frame of one file has the same colour in every report.
std::string Shade(uint32_t h, const int low[3], const int span[3]) {
  return absl::StrFormat("#%02x%02x%02x", low[0] + h % span[0],
                         low[1] + (h >> 8) % span[1],
                         low[2] + (h >> 16) % span[2]);
}

std::string BoxColor(const FlameNode& node) {
  switch (node.kind) {
    case FlameNode::Kind::kRoot:
      return "#e8b070";
    case FlameNode::Kind::kNoPythonStack:
      return "#b4b4b4";
    case FlameNode::Kind::kSmaller:
      return "#d8d8d8";
    case FlameNode::Kind::kFrame:
      break;
  }
  const uint32_t h = HashFile(node.file);
  // The user's code is warm and everything else cool, so the eye finds the
  // lines a person can change: packages blue, the standard library teal,
  // generated and frozen code lavender, native code grey.
  static constexpr int kLibraryLow[3] = {60, 120, 205},
                       kLibrarySpan[3] = {40, 50, 51};
  static constexpr int kStandardLow[3] = {70, 175, 160},
                       kStandardSpan[3] = {40, 40, 40};
  static constexpr int kGeneratedLow[3] = {175, 160, 225},
                       kGeneratedSpan[3] = {25, 25, 31};
  static constexpr int kNativeLow[3] = {165, 160, 150},
                       kNativeSpan[3] = {20, 20, 20};
  switch (node.origin) {
    case CodeOrigin::kLibrary:
      return Shade(h, kLibraryLow, kLibrarySpan);
    case CodeOrigin::kStandardLibrary:
      return Shade(h, kStandardLow, kStandardSpan);
    case CodeOrigin::kGenerated:
    case CodeOrigin::kFrozen:
      return Shade(h, kGeneratedLow, kGeneratedSpan);
    case CodeOrigin::kNative:
      return Shade(h, kNativeLow, kNativeSpan);
    case CodeOrigin::kUser:
      break;
  }
  // Warm: red high, green below it (red through orange to a deep yellow),
  // little blue.
  const uint32_t red = 205 + h % 51;
  const uint32_t green = 60 + (h >> 8) % (red - 75);
  return absl::StrFormat("#%02x%02x%02x", red, green, 20 + (h >> 16) % 50);
}

// The legend under the subtitle: one swatch per colour family.
void AppendLegend(std::string* out) {
  static constexpr struct {
    const char* color;
    const char* name;
  } kEntries[] = {
      {"#eb7a30", "your code"},        {"#5a9be6", "packages"},
      {"#5ac3b4", "standard library"}, {"#bcaaf0", "generated or frozen"},
      {"#afaaa0", "native"},           {"#b4b4b4", "no Python stack"}};
  int x = kFlameGraphPadding;
  for (const auto& entry : kEntries) {
    absl::StrAppendFormat(out,
                          "<rect x=\"%d\" y=\"%d\" width=\"10\" "
                          "height=\"10\" fill=\"%s\"/><text x=\"%d\" "
                          "y=\"%d\">%s</text>\n",
                          x, kLegendY - 9, entry.color, x + 14, kLegendY,
                          entry.name);
    x += 14 +
         static_cast<int>(static_cast<double>(std::strlen(entry.name)) *
                          kCharWidth) +
         16;
  }
}

// Hundredths of a unit, printed exactly: a box's right edge is the next
// box's left edge to the digit, so boxes tile without gaps or overlaps.
void AppendCoordinate(int64_t hundredths, std::string* out) {
  absl::StrAppendFormat(out, "%d.%02d", hundredths / 100, hundredths % 100);
}

std::string JoinCommand(const std::vector<std::string>& command) {
  std::string out;
  for (const std::string& arg : command) {
    if (!out.empty()) out += ' ';
    out += arg;
  }
  return PrintableText(out);
}

}  // namespace

std::string RenderFlameGraph(const Profile& profile) {
  int64_t total = 0;
  for (const ProfileStack& stack : profile.stacks) {
    if (stack.bytes > 0) total += stack.bytes;
  }
  // The full width is the peak, unless the stacks add up to more (sample
  // mode estimates): then every box must still fit.
  const int64_t scale = std::max(total, profile.peak_bytes);
  const int64_t min_bytes = static_cast<int64_t>(
      std::ceil(static_cast<double>(scale) * kFlameGraphMinFraction));
  const FlameTree tree = BuildFlameTree(profile, min_bytes);

  const int rows = tree.nodes.empty() ? 1 : tree.max_depth + 1;
  const int height =
      kFirstRowY + rows * kFlameGraphRowHeight + kFlameGraphPadding;
  const double drawable = kFlameGraphWidth - 2 * kFlameGraphPadding;

  std::string title = absl::StrFormat(
      "Peak tracked memory: %.1f MiB (%s mode)",
      static_cast<double>(profile.peak_bytes) / kMiB,
      profile.mode.empty() ? "unknown" : PrintableText(profile.mode));
  const std::string command = JoinCommand(profile.command);
  if (!command.empty()) title += std::string(" ") + kEmDash + " " + command;

  std::string out;
  out.reserve(1024 + tree.nodes.size() * 240);
  absl::StrAppendFormat(
      &out,
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
      "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
      "font-family=\"DejaVu Sans Mono,Menlo,Consolas,monospace\" "
      "font-size=\"%d\">\n",
      kFlameGraphWidth, height, kFlameGraphWidth, height, kFontSize);
  out += "<title>";
  AppendEscaped(title, &out);
  out +=
      "</title>\n"
      "<style>g.f{cursor:pointer}g.f:hover rect{stroke:#000;"
      "stroke-width:.5}rect{stroke:#fffdf8;stroke-width:.3}"
      "text.s{fill-opacity:0;pointer-events:none}</style>\n";
  absl::StrAppendFormat(
      &out, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fffdf8\"/>\n");

  // The title line, cut to fit, with the whole of it as its tooltip.
  absl::StrAppendFormat(&out,
                        "<text x=\"%d\" y=\"%d\" font-size=\"%d\" "
                        "text-anchor=\"middle\"><title>",
                        kFlameGraphWidth / 2, kTitleY, kTitleFontSize);
  AppendEscaped(title, &out);
  out += "</title>";
  AppendFitted(title, drawable, kTitleCharWidth, &out);
  out += "</text>\n";

  std::string subtitle = absl::StrFormat(
      "Report at %s, pid %d. Width is memory live at the peak",
      profile.reason.empty() ? "unknown" : PrintableText(profile.reason),
      profile.pid);
  subtitle += tree.nodes.empty()
                  ? ": nothing tracked was live at the peak."
                  : "; hover for sizes, click a box to zoom in, \"all\" to "
                    "zoom out.";
  if (tree.hidden_frames > 0) subtitle += " importlib frames are hidden.";
  absl::StrAppendFormat(&out,
                        "<text x=\"%d\" y=\"%d\" fill=\"#555\" "
                        "text-anchor=\"middle\">",
                        kFlameGraphWidth / 2, kSubtitleY);
  AppendFitted(subtitle, drawable, kCharWidth, &out);
  out += "</text>\n";
  if (!tree.nodes.empty()) AppendLegend(&out);

  const double pixels_per_byte =
      scale > 0 ? drawable / static_cast<double>(scale) : 0;
  const auto edge = [&](int64_t bytes) {
    return std::llround(
        (kFlameGraphPadding + static_cast<double>(bytes) * pixels_per_byte) *
        100);
  };
  for (const FlameNode& node : tree.nodes) {
    const int64_t left = edge(node.offset);
    const int64_t width = edge(node.offset + node.bytes) - left;
    const int y = kFirstRowY + node.depth * kFlameGraphRowHeight;
    out += "<g class=\"f\"><title>";
    AppendEscaped(node.label, &out);
    absl::StrAppendFormat(&out, " %s %.1f MiB (%.1f%%)</title><rect x=\"",
                          kEmDash, static_cast<double>(node.bytes) / kMiB,
                          PercentOfPeak(profile, node.bytes));
    AppendCoordinate(left, &out);
    absl::StrAppendFormat(&out, "\" y=\"%d\" width=\"", y);
    AppendCoordinate(width, &out);
    absl::StrAppendFormat(&out, "\" height=\"%d\" fill=\"%s\"/>", kBoxHeight,
                          BoxColor(node));
    const double text_width =
        static_cast<double>(width) / 100.0 - 2 * kTextInset;
    // The visible label, cut to fit; boxes too narrow for one get none (the
    // script adds one if zooming makes room).
    bool cut = true;
    if (text_width >= kMinLabelChars * kCharWidth) {
      out += "<text x=\"";
      AppendCoordinate(left + int64_t{kTextInset} * 100, &out);
      absl::StrAppendFormat(&out, "\" y=\"%d\">", y + kTextBaseline);
      AppendFitted(node.short_label, text_width, kCharWidth, &out, &cut);
      out += "</text>";
    }
    // A browser's find (Ctrl-F) searches the text it lays out, never a
    // <title>: a box whose label is cut or missing also carries the whole
    // label, laid out but transparent (class "s", no pointer events, so it
    // neither shows nor takes clicks meant for the boxes it overhangs).
    if (cut) {
      out += "<text class=\"s\" x=\"";
      AppendCoordinate(left + int64_t{kTextInset} * 100, &out);
      absl::StrAppendFormat(&out, "\" y=\"%d\">", y + kTextBaseline);
      AppendEscaped(node.short_label, &out);
      out += "</text>";
    }
    out += "</g>\n";
  }

  if (!tree.nodes.empty()) {
    absl::StrAppendFormat(&out,
                          "<script type=\"text/ecmascript\"><![CDATA[\n"
                          "var W = %d, PAD = %d, CHAR = %.2f, INSET = %d, "
                          "BASELINE = %d, MIN_CHARS = %d;\n",
                          kFlameGraphWidth, kFlameGraphPadding, kCharWidth,
                          kTextInset, kTextBaseline, kMinLabelChars);
    out += kZoomScript;
    out += "]]></script>\n";
  }
  out += "</svg>\n";
  return out;
}

bool FlameGraphReporter::Write(const Profile& profile,
                               const ReportDirectory& directory,
                               std::string* error) {
  return WriteFileAtomically(directory, kFlameGraphFileName,
                             RenderFlameGraph(profile), error);
}

TIDEMARK_REGISTER_REPORTER("flamegraph", FlameGraphReporter)

}  // namespace tidemark
