// Label quads in pixels (labels.py lays them out, y down), textured from one atlas.
// Attributes: a_position (pixels), a_texcoord (atlas u, v). Uniform: u_size (frame width, height).
attribute vec2 a_position;
attribute vec2 a_texcoord;
uniform vec2 u_size;
varying vec2 v_texcoord;

void main() {
    v_texcoord = a_texcoord;
    gl_Position = vec4(2.0 * a_position.x / u_size.x - 1.0, 1.0 - 2.0 * a_position.y / u_size.y, 0.0, 1.0);
}
