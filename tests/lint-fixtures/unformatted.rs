// Misformatted on purpose: rustfmt --check must report a diff.
pub fn add(a:u32,b:u32)->u32{a+b}
