// Logarithmic depth, shared by every fragment shader so all draws agree.
// Uniforms: u_near, u_far (km, > 0). Input: view-space distance along the view axis (km).
// Keeps ~1e-6 relative depth precision from metres to millions of kilometres with a 24-bit buffer.
uniform float u_near;
uniform float u_far;
float log_depth(float view_depth) {
    return log2(max(view_depth / u_near, 1e-6) + 1.0) / log2(u_far / u_near + 1.0);
}
