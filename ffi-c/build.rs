//! libwxpay.so carries the SONAME `libwxpay.so.MAJOR` (what a program linked against it
//! records and the dynamic loader looks for), and the build folder gets the usual symlink
//! `libwxpay.so.MAJOR -> libwxpay.so`, so programs linked against the build output run from it
//! (the C tests, the demo, the benchmark). `make install` / `make dist` add the full
//! `libwxpay.so.MAJOR.MINOR.PATCH` name.

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    let soname = format!("libwxpay.so.{major}");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
        // OUT_DIR is <target>/<profile>/build/<pkg>-<hash>/out: the library lands in <profile>.
        if let Some(profile_dir) = std::env::var_os("OUT_DIR")
            .map(std::path::PathBuf::from)
            .and_then(|p| p.ancestors().nth(3).map(std::path::Path::to_path_buf))
        {
            let link = profile_dir.join(&soname);
            if std::fs::symlink_metadata(&link).is_err() {
                let _ = std::os::unix::fs::symlink("libwxpay.so", &link);
            }
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
