#include "reporters/common/source_lines.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>

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
  const bool ok = fstat(fd, &info) == 0 && S_ISREG(info.st_mode) &&
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

// Where the file behind a frame's name is, or "" when no file is.
std::string PathOf(const std::string& file,
                   const std::string& working_directory) {
  // "<string>", "<frozen runpy>", "<stdin>": no file behind the name.
  if (file.empty() || file.front() == '<') return "";
  if (file.front() == '/') return file;
  if (working_directory.empty()) return "";
  return working_directory + "/" + file;
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Walks through a file's lines front to back: requests come sorted by
// line, so a file is scanned once however many of its lines are wanted.
class LineCursor {
 public:
  explicit LineCursor(std::string_view contents) : contents_(contents) {}

  // Line `line` (>= the previous call's) as ReadSourceLines promises it.
  std::string Text(int line) {
    while (line_ < line && begin_ != std::string_view::npos) {
      begin_ = contents_.find('\n', begin_);
      if (begin_ != std::string_view::npos) ++begin_;
      ++line_;
    }
    if (begin_ == std::string_view::npos || begin_ >= contents_.size()) {
      return "";
    }
    return Trimmed(begin_);
  }

 private:
  std::string Trimmed(size_t begin) const;

  std::string_view contents_;
  int line_ = 1;
  size_t begin_ = 0;  // where line_ starts; npos past the end
};

std::string LineCursor::Trimmed(size_t begin) const {
  const std::string_view contents = contents_;
  size_t end = contents.find('\n', begin);
  if (end == std::string_view::npos) end = contents.size();
  while (begin < end && IsBlank(contents[begin])) ++begin;
  while (end > begin && IsBlank(contents[end - 1])) --end;
  std::string_view text = contents.substr(begin, end - begin);
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

}  // namespace

std::vector<std::string> ReadSourceLines(
    const std::vector<SourceRequest>& requests,
    const std::string& working_directory, SourceReadStats* stats) {
  std::vector<std::string> texts(requests.size());
  // Requests grouped by file, lines ascending, so each file is read once and
  // scanned front to back.
  std::vector<size_t> order(requests.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (requests[a].file != requests[b].file) {
      return requests[a].file < requests[b].file;
    }
    return requests[a].line < requests[b].line;
  });
  SourceReadStats local;
  SourceReadStats& read = stats != nullptr ? *stats : local;
  std::string contents;
  for (size_t i = 0; i < order.size();) {
    const std::string& file = requests[order[i]].file;
    size_t end = i;
    while (end < order.size() && requests[order[end]].file == file) ++end;
    const std::string path = PathOf(file, working_directory);
    contents.clear();
    if (!path.empty() && read.bytes_read < kMaxSourceBytesTotal &&
        ReadSmallRegularFile(path, kMaxSourceFileBytes, &contents)) {
      ++read.files_read;
      read.bytes_read += static_cast<int64_t>(contents.size());
      LineCursor cursor(contents);
      for (size_t j = i; j < end; ++j) {
        const int line = requests[order[j]].line;
        if (line > 0) texts[order[j]] = cursor.Text(line);
      }
    }
    i = end;
  }
  return texts;
}

}  // namespace tidemark
