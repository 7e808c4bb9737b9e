// Copies the finished frame, texel for texel (the quad is exactly the frame's size).
// Uniform: u_frame (the resolved colour texture).
uniform sampler2D u_frame;
varying vec2 v_texcoord;

void main() {
    gl_FragColor = vec4(texture2D(u_frame, v_texcoord).rgb, 1.0);
}
