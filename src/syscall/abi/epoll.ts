// epoll ABI. Source: include/uapi/linux/eventpoll.h. struct epoll_event is
// packed on x86_64 (12 bytes) and naturally aligned elsewhere (16 bytes).
import { arch } from 'node:os';

export const EPOLL_CLOEXEC = 0o2000000;
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLL_CTL_MOD = 3;
export const EPOLLIN = 0x001;
export const EPOLLONESHOT = 1 << 30;
export const EFD_CLOEXEC = 0o2000000;
export const EFD_NONBLOCK = 0o4000;

export const EPOLL_EVENT_SIZE = arch() === 'x64' ? 12 : 16;
export const EPOLL_DATA_OFFSET = arch() === 'x64' ? 4 : 8;
