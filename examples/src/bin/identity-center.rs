//! identity-center: the SCIM 2.0 service of an identity center over HTTP and a real store.
//! Everything lives in `fedkit_examples::identity_center`; this file only hands over the
//! command line.

fn main() -> std::process::ExitCode {
    fedkit_examples::identity_center::main()
}
