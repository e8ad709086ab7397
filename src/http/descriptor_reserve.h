// One file descriptor held back, so that a process out of descriptors can still accept a
// connection to refuse it (the libev/nginx "reserve fd" scheme).
#pragma once

namespace jobstream::http {

// Not thread-safe: the server's accept strand owns it.
class DescriptorReserve {
 public:
  // Takes the reserve at once; held() tells whether that worked.
  DescriptorReserve();
  ~DescriptorReserve();
  DescriptorReserve(const DescriptorReserve&) = delete;
  DescriptorReserve& operator=(const DescriptorReserve&) = delete;

  // Holds one descriptor (of /dev/null) unless already held; false when none is free.
  bool Take();
  // Frees the descriptor for the process to use, e.g. for the accept it is kept for.
  void Release();
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace jobstream::http
