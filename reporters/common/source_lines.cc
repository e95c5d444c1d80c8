#include "reporters/common/source_lines.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "reporters/common/text.h"

namespace tidemark {
namespace {

// The whole regular file at `path` if it is at most `max_bytes` long; false
// otherwise (missing, unreadable, not a regular file, too large).
bool ReadSmallRegularFile(const std::string& path, int64_t max_bytes,
                          std::string* contents) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat info;
  bool ok = fstat(fd, &info) == 0 && S_ISREG(info.st_mode) &&
            info.st_size <= max_bytes;
  if (ok) {
    contents->resize(static_cast<size_t>(info.st_size));
    size_t done = 0;
    while (done < contents->size()) {
      const ssize_t n = read(fd, &(*contents)[done], contents->size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // shrank meanwhile: keep what was there
      done += static_cast<size_t>(n);
    }
    contents->resize(done);
  }
  close(fd);
  return ok;
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

}  // namespace

SourceLines::SourceLines(std::string working_directory)
    : working_directory_(std::move(working_directory)) {}

const SourceLines::File& SourceLines::Load(const std::string& file) {
  File& entry = files_[file];
  if (entry.loaded) return entry;
  entry.loaded = true;
  // "<string>", "<frozen runpy>", "<stdin>": no file behind the name.
  if (file.empty() || file.front() == '<') return entry;
  std::string path;
  if (file.front() == '/') {
    path = file;
  } else if (!working_directory_.empty()) {
    path = working_directory_ + "/" + file;
  } else {
    return entry;
  }
  if (bytes_read_ >= kMaxSourceBytesTotal) return entry;
  if (!ReadSmallRegularFile(path, kMaxSourceFileBytes, &entry.contents)) {
    entry.contents.clear();
    return entry;
  }
  ++files_read_;
  bytes_read_ += static_cast<int64_t>(entry.contents.size());
  entry.line_starts.push_back(0);
  for (size_t i = 0; i < entry.contents.size(); ++i) {
    if (entry.contents[i] == '\n' && i + 1 < entry.contents.size()) {
      entry.line_starts.push_back(i + 1);
    }
  }
  if (entry.contents.empty()) entry.line_starts.clear();
  return entry;
}

std::string SourceLines::Line(const std::string& file, int line) {
  if (line <= 0) return "";
  const File& entry = Load(file);
  if (static_cast<size_t>(line) > entry.line_starts.size()) return "";
  size_t begin = entry.line_starts[static_cast<size_t>(line) - 1];
  size_t end = entry.contents.find('\n', begin);
  if (end == std::string::npos) end = entry.contents.size();
  while (begin < end && IsBlank(entry.contents[begin])) ++begin;
  while (end > begin && IsBlank(entry.contents[end - 1])) --end;
  std::string_view text(entry.contents.data() + begin, end - begin);
  bool cut = false;
  if (text.size() > kMaxSourceLineBytes) {
    // Back up to a code point's first byte so the cut splits no character.
    size_t keep = kMaxSourceLineBytes;
    while (keep > 0 &&
           (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) {
      --keep;
    }
    text = text.substr(0, keep);
    cut = true;
  }
  std::string printable = PrintableText(text);
  if (cut) printable += "\xE2\x80\xA6";  // "…"
  return printable;
}

}  // namespace tidemark
