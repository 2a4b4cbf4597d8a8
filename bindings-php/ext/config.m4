dnl config.m4 of the wxpay PHP extension. It links libwxpay.a statically, so wxpay.so needs
dnl nothing else at run time:
dnl   phpize && ./configure --with-wxpay=PREFIX && make   (PREFIX/include/wxpay.h, PREFIX/lib/libwxpay.a)
dnl `make php-ext` at the repository root does this (see bindings-php/ext/build.sh).

PHP_ARG_WITH([wxpay],
  [for wxpay support],
  [AS_HELP_STRING([--with-wxpay=PREFIX], [wxpay: PREFIX holds include/wxpay.h and lib/libwxpay.a])])

if test "$PHP_WXPAY" != "no"; then
  if test "$PHP_WXPAY" = "yes"; then
    PHP_WXPAY=/usr/local
  fi
  AC_MSG_CHECKING([for wxpay.h and libwxpay.a in $PHP_WXPAY])
  if test -r "$PHP_WXPAY/include/wxpay.h" && test -r "$PHP_WXPAY/lib/libwxpay.a"; then
    AC_MSG_RESULT([found])
  else
    AC_MSG_RESULT([not found])
    AC_MSG_ERROR([wxpay.h or libwxpay.a not found under $PHP_WXPAY: unpack the libwxpay C tarball (mkdir -p /opt/wxpay && tar -xzf libwxpay-VERSION-x86_64-linux-gnu.tar.gz -C /opt/wxpay --strip-components=1) and pass its folder, --with-wxpay=/opt/wxpay; in a wxpay checkout, `make php-ext`])
  fi
  PHP_ADD_INCLUDE([$PHP_WXPAY/include])
  dnl The Rust archive's own symbols stay private to wxpay.so (--exclude-libs): only PHP's
  dnl get_module entry point is exported, and two extensions built on wxpay cannot clash;
  dnl --gc-sections drops what no entry point reaches (the prebuilt extension: 11 → 7.7 MiB).
  WXPAY_SHARED_LIBADD="-Wl,--gc-sections -Wl,--exclude-libs,ALL $PHP_WXPAY/lib/libwxpay.a -lpthread -ldl -lm"
  PHP_SUBST(WXPAY_SHARED_LIBADD)
  PHP_NEW_EXTENSION(wxpay, wxpay.c calls.c protocol.c files.c events.c, $ext_shared)
fi
