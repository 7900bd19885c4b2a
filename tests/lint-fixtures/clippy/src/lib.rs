/// `&Vec<u8>` instead of `&[u8]`: clippy must report `ptr_arg`.
pub fn count(bytes: &Vec<u8>) -> usize {
    bytes.len()
}
