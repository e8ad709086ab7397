#include "http/descriptor_reserve.h"

#include <fcntl.h>
#include <unistd.h>

namespace jobstream::http {

DescriptorReserve::DescriptorReserve() { Take(); }

DescriptorReserve::~DescriptorReserve() { Release(); }

bool DescriptorReserve::Take() {
  if (fd_ >= 0) return true;
  // flawfinder: ignore (a fixed path, opened only to hold a descriptor number)
  fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  return fd_ >= 0;
}

void DescriptorReserve::Release() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
}

}  // namespace jobstream::http
