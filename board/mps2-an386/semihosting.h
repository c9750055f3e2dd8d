// ARM semihosting (bkpt 0xab): the QEMU host's files and exit status. Used for the
// flash image file and for ending a test run with a status code.
#pragma once
#include <cstddef>
#include <cstdint>

namespace board::semihosting {

int open(const char* path, bool write);  // -1 on failure
int close(int handle);
long read(int handle, void* buffer, size_t length);   // bytes read, -1 on failure
long write(int handle, const void* buffer, size_t length);  // bytes written
long file_length(int handle);
bool seek(int handle, size_t position);
// The -append command line QEMU was given; false if none.
bool command_line(char* buffer, size_t length);
[[noreturn]] void exit(int code);

}  // namespace board::semihosting
