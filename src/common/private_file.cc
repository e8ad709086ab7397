#include "common/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>

namespace jobstream {
namespace {

Status Errno(const std::string& what, const std::filesystem::path& path) {
  return Status::IOError(what + " " + path.string() + ": " + std::generic_category().message(errno));
}

Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path);
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return Status::Ok();
}

}  // namespace

Status WritePrivateFileAtomically(const std::filesystem::path& path, std::string_view contents) {
  std::filesystem::path temp = path;
  temp += ".tmp";
  {
    // flawfinder: ignore (O_NOFOLLOW, mode forced to 0600 below, renamed into place only when complete)
    UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) return Errno("cannot create", temp);
    // The umask can only remove bits, but a leftover temp file keeps its old mode: set it.
    if (::fchmod(fd.get(), 0600) != 0) return Errno("cannot chmod", temp);
    // `sudo jobstream keys create` on a service's data directory must leave the file readable
    // by the service's user: root hands it to whoever owns the directory.
    struct stat dir_stat {};
    if (::geteuid() == 0 && ::stat(path.parent_path().c_str(), &dir_stat) == 0 && dir_stat.st_uid != 0 &&
        ::fchown(fd.get(), dir_stat.st_uid, dir_stat.st_gid) != 0) {
      return Errno("cannot chown", temp);
    }
    if (Status status = WriteAll(fd.get(), contents, temp); !status.ok()) return status;
    if (::fsync(fd.get()) != 0) return Errno("cannot fsync", temp);
    if (fd.Close() != 0) return Errno("cannot close", temp);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) return Errno("cannot rename to", path);
  // The rename is durable only once the directory entry is.
  std::filesystem::path dir = path.parent_path();
  // flawfinder: ignore (read-only, O_DIRECTORY: opened only to fsync the directory entry)
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0) return Errno("cannot open", dir);
  if (::fsync(dir_fd.get()) != 0) return Errno("cannot fsync", dir);
  return Status::Ok();
}

Result<std::string> ReadSmallFile(const std::filesystem::path& path, std::size_t max_size) {
  // flawfinder: ignore (read-only; the size is capped below and the contents are parsed strictly)
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::NotFound(path.string() + " does not exist");
    return Errno("cannot open", path);
  }
  std::string contents;
  std::array<char, 8192> buffer;
  while (true) {
    ssize_t got = ::read(fd.get(), buffer.data(), buffer.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot read", path);
    }
    if (got == 0) break;
    contents.append(buffer.data(), static_cast<std::size_t>(got));
    if (contents.size() > max_size) {
      return Status::IOError(path.string() + " is larger than " + std::to_string(max_size) + " bytes");
    }
  }
  return contents;
}

}  // namespace jobstream
